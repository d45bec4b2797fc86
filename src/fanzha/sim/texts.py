"""Pools of ordinary SMS and chat texts, rendered once and then picked by index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fanzha.sim.grammar import normal_text
from fanzha.sim.phrasing import disguise, vary
from fanzha.sim.reference import BANKS
from fanzha.sim.rng import stream
from fanzha.sim.scripts import BANK_WARNINGS, POLICE_WARNINGS

# Service numbers as they appear in SMS records: national short codes, written as bare digits
# (their canonical form; only subscriber numbers take +86).
BANK_CODES = {
    "ICBC": "95588",
    "CCB": "95533",
    "ABC": "95599",
    "BOC": "95566",
    "BOCOM": "95559",
    "CMB": "95555",
    "PSBC": "95580",
    "HNRCU": "96518",
    "BCS": "96511",
}
# Couriers, apps that send verification codes, and operators / utilities that send notices.
SERVICE_SENDERS = {
    "delivery": ("95311", "95554", "95546", "95338", "95543"),
    "verification": ("95017", "95188", "95118", "12306", "95068"),
    "marketing": ("10086", "10010", "10000", "95598", "95519"),
}
VARIANTS = 64

_SHORT_BANK = {
    "ICBC": "工商银行",
    "CCB": "建设银行",
    "ABC": "农业银行",
    "BOC": "中国银行",
    "BOCOM": "交通银行",
    "CMB": "招商银行",
    "PSBC": "邮储银行",
    "HNRCU": "湖南农信",
    "BCS": "长沙银行",
}
_BANK_NOTICE = (
    "【{b}】您尾号{t}的储蓄卡发生一笔快捷支付，支出人民币{a}元，活期余额{r}元。",
    "【{b}】您尾号{t}的账户收到转账存入人民币{a}元，活期余额{r}元。",
    "【{b}】您尾号{t}的信用卡本期账单{a}元，最后还款日为本月25日。",
    "【{b}】您尾号{t}的账户于今日转账支出{a}元，如非本人操作请致电客服。",
    "【{b}】您的个人贷款本期应还{a}元，请于还款日前存入足额资金，以免影响征信。",
    "【{b}】您申请的信用卡额度调整已生效，新额度{r}元，可在手机银行查看。",
    "【{b}】验证码{c}，您正在进行网银转账，金额{a}元，切勿告知他人，银行工作人员不会索要。",
    "【{b}】您尾号{t}的账户已冻结一笔{a}元的预授权，消费完成后自动解冻。",
)
_DELIVERY = (
    "【菜鸟驿站】您的{s}包裹已到{p}驿站，取件码{c}，请及时领取。",
    "【{s}】您的快件已由快递员派送中，请保持电话畅通，取件码{c}。",
    "【丰巢】您的{s}快递已存入{p}小区丰巢柜，取件码{c}。",
    "【{s}】您的包裹因地址不详暂存{p}网点，请联系派件员确认，取件码{c}。",
    "【{s}】您的快件已签收，如有疑问请在官方APP内联系客服，勿相信陌生来电理赔。",
    "【京东物流】您的订单已发货，预计明天送达，点击查看物流 https://3.cn/{c}",
)
_VERIFY = (
    "【{app}】验证码{c}，5分钟内有效，请勿泄露给他人。",
    "【{app}】您正在登录，验证码{c}。如非本人操作，请忽略本短信。",
)
_MARKETING = (
    "【中国移动】尊敬的客户，您本月套餐内流量已使用80%，回复KTLL可办理流量包。",
    "【{shop}】会员日全场8折，满200减30，仅限本周末，退订回T",
    "【{shop}】您有一张20元无门槛优惠券即将过期，快来使用吧，退订回T",
    "【国家电网】您户号尾号{t}的电费余额不足30元，请及时缴费。",
    "【淘宝】您关注的商品降价了，领券立减50元，戳 https://m.tb.cn/{c} 退订回T",
    "【京东】PLUS会员返利日，下单返京豆，数量有限，退订回T",
    "【中国联通】您的话费余额不足10元，请及时充值，登录联通APP可领取充值优惠。",
    "【{shop}】新店开业，扫码加店长微信进群领10元红包，退订回T",
)
# Genuine job adverts (hard negatives for order-brushing "part-time" scams): a real employer asks for
# no deposit and no advance payment, and names a place and a wage.
_JOBS = (
    "【58同城】{shop}招聘收银员、理货员，月薪4000-6000元，五险一金，面试地址{p}门店。",
    "【BOSS直聘】您投递的仓库管理员岗位有新进展，HR邀请您明天上午10点到{p}面试。",
    "【智联招聘】{shop}诚聘周末兼职促销员，时薪25元，当天面试，不收取任何费用。",
    "【前程无忧】新职位推荐：客服专员，底薪3500+提成，双休，在APP内查看详情。",
    "【{shop}】招聘暑期兼职店员，日结工资150元，需到{p}门店面试，无需押金。",
)
_FAMILY = (
    "妈，我到家了",
    "晚上回来吃饭吗？",
    "钱收到了，谢谢",
    "周末回老家看看",
    "记得按时吃药",
    "爸，手机话费我帮你充了",
    "明天降温，多穿点衣服",
    "孩子放学我去接",
    "到了给我回个电话",
)
_WORK = (
    "明天上午九点开会，别迟到",
    "报表已经发你邮箱了",
    "这个方案下午再对一下",
    "收到，马上处理",
    "客户那边说下周签合同",
    "今天加班，晚点回",
    "下午三点前把材料交上来",
    "好的，我跟进一下",
)
_FRIEND = (
    "周末一起打球吗",
    "哈哈哈笑死我了",
    "[图片]",
    "好的",
    "在吗？",
    "晚上一起吃饭？",
    "那家米粉店真不错",
    "生日快乐！",
    "下次聚一下",
    "[语音]",
    "收到",
    "最近忙啥呢",
)
_APPS = ("微信", "支付宝", "淘宝", "美团", "12306", "抖音", "京东", "滴滴出行")
_SHOPS = ("步步高超市", "友阿百货", "沃尔玛", "瑞幸咖啡", "茶颜悦色")
_STATIONS = ("岳麓", "望城", "芙蓉", "天心", "开福", "雨花", "城南", "城北")
_COURIERS = ("中通快递", "圆通速递", "韵达快递", "顺丰速运", "京东物流")

SMS_CATEGORIES = ("bank_notice", "delivery", "verification", "marketing", "anti_fraud_warning", "family")
CHAT_CATEGORIES = ("family", "work", "friend")


@dataclass(frozen=True)
class TextPool:
    """All ordinary texts in one Arrow array; each category is a contiguous range."""

    texts: pa.Array
    start: dict[str, int]
    size: dict[str, int]

    def pick(self, category: str, u: np.ndarray) -> np.ndarray:
        """Indices into `texts` of the category for uniforms u in [0, 1)."""
        return self.start[category] + (u * self.size[category]).astype(np.int64)


def _render(
    rng: np.random.Generator,
    templates: tuple[str, ...],
    n: int,
    chat: bool = False,
    **pools: tuple[str, ...],
) -> list[str]:
    """n texts from the templates, rephrased by the grammar, with random fill-ins and surface noise."""
    out = []
    for _ in range(n):
        t = vary(templates[int(rng.integers(len(templates)))], rng, evade=False, chat=chat)
        fill = {k: v[int(rng.integers(len(v)))] for k, v in pools.items()}
        fill |= {
            "t": f"{int(rng.integers(0, 10_000)):04d}",
            "a": f"{rng.lognormal(4.5, 1.2):.2f}",
            "r": f"{rng.lognormal(8.5, 1.0):.2f}",
            "c": f"{int(rng.integers(0, 1_000_000)):06d}",
        }
        out.append(disguise(t.format(**fill), rng, evade=False))
    return out


def build_text_pool(seed: int) -> TextPool:
    """Ordinary SMS and chat texts; bank texts are grouped per bank (BANKS order)."""
    rng = stream(seed, "texts")
    parts: list[tuple[str, list[str]]] = []
    for code, *_ in BANKS:
        b = (_SHORT_BANK[code],)
        parts.append((f"bank_notice:{code}", _render(rng, _BANK_NOTICE, VARIANTS, b=b)))
    for code, *_ in BANKS:
        warn = tuple(w.replace("{bank}", "{b}").replace("{tail}", "{t}") for w in BANK_WARNINGS)
        parts.append((f"bank_warning:{code}", _render(rng, warn, 8, b=(_SHORT_BANK[code],))))
    parts.append(("police_warning", _render(rng, POLICE_WARNINGS, VARIANTS)))
    parts.append(("delivery", _render(rng, _DELIVERY, VARIANTS * 4, s=_COURIERS, p=_STATIONS)))
    parts.append(("verification", _render(rng, _VERIFY, VARIANTS * 4, app=_APPS)))
    parts.append(("marketing", _render(rng, _MARKETING + _JOBS, VARIANTS * 2, shop=_SHOPS, p=_STATIONS)))
    parts.append(("family", [*_FAMILY, *_render(rng, _FAMILY, VARIANTS, chat=True)]))
    parts.append(("work", [*_WORK, *_render(rng, _WORK, VARIANTS, chat=True)]))
    parts.append(("friend", [*_FRIEND, *_render(rng, _FRIEND, VARIANTS, chat=True)]))
    # Genuine look-alikes from the slot grammar (fanzha.sim.grammar), drawn from their own stream.
    grng = stream(seed, "texts-grammar")
    more = {
        "marketing": ("job", "marketing", "service", "broker", "gov"),
        "delivery": ("delivery",),
        "police_warning": ("warning",),
        "family": ("family",),
        "work": ("work",),
        "friend": ("friend",),
    }
    for i, (name, items) in enumerate(parts):
        kinds = more.get(name)
        if kinds:
            n = len(items) * 2
            extra = [normal_text(grng, kinds[j % len(kinds)]) for j in range(n)]
            links = ["https://m.tb.cn/" + str(int(grng.integers(10**5, 10**6))) for _ in extra]
            extra = [disguise(t.format(url=u), grng, False) for t, u in zip(extra, links, strict=True)]
            parts[i] = (name, [*items, *extra])
    texts: list[str] = []
    start: dict[str, int] = {}
    size: dict[str, int] = {}
    for name, items in parts:
        start[name] = len(texts)
        size[name] = len(items)
        texts.extend(items)
    return TextPool(pa.array(texts, pa.string()), start, size)
