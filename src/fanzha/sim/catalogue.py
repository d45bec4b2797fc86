"""Web addresses and apps: the everyday ones and each fraud group's fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim.actors import FraudPlan
from fanzha.sim.playbooks import PLAYBOOKS
from fanzha.sim.rng import stream

I64A = npt.NDArray[np.int64]

# Everyday sites (domain, title, registered). The anti-fraud and bank sites are hard negatives.
_SITES: tuple[tuple[str, str, str], ...] = (
    ("taobao.com", "淘宝网", "2003-04-21"),
    ("jd.com", "京东", "1998-09-22"),
    ("baidu.com", "百度一下", "1999-10-11"),
    ("qq.com", "腾讯网", "1995-05-04"),
    ("weibo.com", "微博", "1999-03-17"),
    ("bilibili.com", "哔哩哔哩", "2009-06-26"),
    ("douyin.com", "抖音", "2016-09-20"),
    ("12306.cn", "中国铁路12306", "2010-01-01"),
    ("icbc.com.cn", "中国工商银行", "1999-04-01"),
    ("ccb.com", "中国建设银行", "1997-03-12"),
    ("hunan.gov.cn", "湖南省人民政府", "2000-01-01"),
    ("mps.gov.cn", "中华人民共和国公安部", "2000-01-01"),
    ("12321.cn", "12321网络不良与垃圾信息举报受理中心", "2008-01-01"),
    ("meituan.com", "美团", "2003-03-10"),
    ("zhihu.com", "知乎", "2007-06-01"),
    ("csdn.net", "CSDN", "1999-03-04"),
    ("rednet.cn", "红网", "2001-01-01"),
    ("hnjy.gov.cn", "湖南省教育厅", "2002-01-01"),
    ("pbccrc.org.cn", "中国人民银行征信中心", "2006-01-01"),
    ("chsi.com.cn", "学信网", "2002-01-01"),
)
_PATHS = ("/", "/index.html", "/news/list", "/item/detail", "/search?q=1", "/user/home", "/help", "/login")

_APPS: tuple[tuple[str, str, str], ...] = (
    ("com.tencent.mm", "微信", "腾讯"),
    ("com.eg.android.AlipayGphone", "支付宝", "支付宝"),
    ("com.ss.android.ugc.aweme", "抖音", "抖音"),
    ("com.taobao.taobao", "淘宝", "淘宝"),
    ("com.jingdong.app.mall", "京东", "京东"),
    ("com.sankuai.meituan", "美团", "美团"),
    ("com.tencent.mobileqq", "QQ", "腾讯"),
    ("com.sina.weibo", "微博", "微博"),
    ("com.hicorenational.antifraud", "国家反诈中心", "公安部刑事侦查局"),
    ("com.tencent.wemeet.app", "腾讯会议", "腾讯"),
    ("com.icbc", "中国工商银行", "中国工商银行"),
    ("com.chinamworld.main", "中国建设银行", "中国建设银行"),
    ("com.MobileTicket", "铁路12306", "中国铁路"),
    ("com.unionpay", "云闪付", "中国银联"),
    ("com.netease.party", "网易游戏", "网易"),
    ("com.autonavi.minimap", "高德地图", "高德"),
    ("com.sdu.didi.psnger", "滴滴出行", "滴滴"),
    ("com.xunmeng.pinduoduo", "拼多多", "拼多多"),
    ("com.taobao.idlefish", "闲鱼", "阿里巴巴"),
    ("com.jiayuan", "世纪佳缘", "世纪佳缘"),
)
_TLDS = ("top", "xyz", "vip", "cc", "icu", "shop", "club", "work")
_ALNUM = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass
class Catalogue:
    """URLs (everyday first, then the groups') and apps (likewise)."""

    urls: pa.Table
    apps: pa.Table
    n_legit_urls: int
    n_legit_apps: int
    group_urls: list[I64A]  # url rows per group
    group_apps: list[I64A]  # app rows per group


def _rand(rng: np.random.Generator, k: int) -> str:
    """k random letters or digits."""
    return "".join(_ALNUM[int(i)] for i in rng.integers(0, len(_ALNUM), k))


def build_catalogue(seed: int, start: date, plan: FraudPlan) -> Catalogue:
    """Everyday URLs and apps, then two fake sites and maybe one fake app per group."""
    rng = stream(seed, "catalogue")
    url, dom, reg, filed, title = [], [], [], [], []
    for d, t, r in _SITES:
        for p in _PATHS:
            url.append(f"https://www.{d}{p}")
            dom.append(d)
            reg.append(date.fromisoformat(r))
            filed.append(True)
            title.append(t)
    n_legit = len(url)
    pkg, name, dev, app_filed, store = (
        [a[0] for a in _APPS],
        [a[1] for a in _APPS],
        [a[2] for a in _APPS],
        [True] * len(_APPS),
        [True] * len(_APPS),
    )
    group_urls: list[I64A] = []
    group_apps: list[I64A] = []
    for g in range(plan.n_groups):
        pb = PLAYBOOKS[plan.scam(g)]
        rows: list[int] = []
        if pb.uses_url or pb.uses_app:
            for _ in range(2):
                word = pb.site_words[int(rng.integers(len(pb.site_words)))]
                domain = f"{word}{_rand(rng, 4)}.{_TLDS[int(rng.integers(len(_TLDS)))]}"
                rows.append(len(url))
                url.append(f"https://{domain}/h5/index.html?c={_rand(rng, 6)}")
                dom.append(domain)
                reg.append(start - timedelta(days=int(rng.integers(2, 30))))
                filed.append(False)
                title.append(pb.site_title)
        group_urls.append(np.array(rows, dtype=np.int64))
        apps: list[int] = []
        if pb.uses_app:
            apps.append(len(pkg))
            pkg.append(f"com.{pb.site_words[0]}{_rand(rng, 5)}.app")
            name.append(pb.app_name)
            dev.append(f"{pb.app_name}科技有限公司")
            app_filed.append(False)
            store.append(False)
        group_apps.append(np.array(apps, dtype=np.int64))
    urls = pa.table(
        {
            "url_id": pa.array(np.arange(len(url), dtype=np.int64)),
            "url": pa.array(url, pa.string()),
            "domain": pa.array(dom, pa.string()),
            "domain_registered_at": pa.array(reg, pa.date32()),
            "icp_filed": pa.array(filed, pa.bool_()),
            "title": pa.array(title, pa.string()),
        }
    )
    apps_t = pa.table(
        {
            "app_id": pa.array(np.arange(len(pkg), dtype=np.int64)),
            "package": pa.array(pkg, pa.string()),
            "name_zh": pa.array(name, pa.string()),
            "developer": pa.array(dev, pa.string()),
            "filed": pa.array(app_filed, pa.bool_()),
            "in_store": pa.array(store, pa.bool_()),
        }
    )
    return Catalogue(urls, apps_t, n_legit, len(_APPS), group_urls, group_apps)
