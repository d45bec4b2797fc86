"""Hunan's region tree: 14 prefecture-level cities and 122 counties (real codes), townships."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from fanzha.sim.rng import stream

PROVINCE = ("430000", "湖南省", "Hunan")

# (code, name_zh, name_en, population in millions from the 2020 census)
CITIES: tuple[tuple[str, str, str, float], ...] = (
    ("430100", "长沙市", "Changsha", 10.05),
    ("430200", "株洲市", "Zhuzhou", 3.90),
    ("430300", "湘潭市", "Xiangtan", 2.73),
    ("430400", "衡阳市", "Hengyang", 6.65),
    ("430500", "邵阳市", "Shaoyang", 6.56),
    ("430600", "岳阳市", "Yueyang", 5.05),
    ("430700", "常德市", "Changde", 5.28),
    ("430800", "张家界市", "Zhangjiajie", 1.52),
    ("430900", "益阳市", "Yiyang", 3.85),
    ("431000", "郴州市", "Chenzhou", 4.67),
    ("431100", "永州市", "Yongzhou", 5.29),
    ("431200", "怀化市", "Huaihua", 4.59),
    ("431300", "娄底市", "Loudi", 3.83),
    ("433100", "湘西土家族苗族自治州", "Xiangxi", 2.49),
)

_COUNTIES_TEXT = """
430102 芙蓉区 Furong|430103 天心区 Tianxin|430104 岳麓区 Yuelu|430105 开福区 Kaifu
430111 雨花区 Yuhua|430112 望城区 Wangcheng|430121 长沙县 Changsha County|430181 浏阳市 Liuyang
430182 宁乡市 Ningxiang|430202 荷塘区 Hetang|430203 芦淞区 Lusong|430204 石峰区 Shifeng
430211 天元区 Tianyuan|430212 渌口区 Lukou|430223 攸县 You County|430224 茶陵县 Chaling
430225 炎陵县 Yanling|430281 醴陵市 Liling|430302 雨湖区 Yuhu|430304 岳塘区 Yuetang
430321 湘潭县 Xiangtan County|430381 湘乡市 Xiangxiang|430382 韶山市 Shaoshan
430405 珠晖区 Zhuhui|430406 雁峰区 Yanfeng|430407 石鼓区 Shigu|430408 蒸湘区 Zhengxiang
430412 南岳区 Nanyue|430421 衡阳县 Hengyang County|430422 衡南县 Hengnan|430423 衡山县 Hengshan
430424 衡东县 Hengdong|430426 祁东县 Qidong|430481 耒阳市 Leiyang|430482 常宁市 Changning
430502 双清区 Shuangqing|430503 大祥区 Daxiang|430511 北塔区 Beita|430522 新邵县 Xinshao
430523 邵阳县 Shaoyang County|430524 隆回县 Longhui|430525 洞口县 Dongkou|430527 绥宁县 Suining
430528 新宁县 Xinning|430529 城步苗族自治县 Chengbu|430581 武冈市 Wugang|430582 邵东市 Shaodong
430602 岳阳楼区 Yueyanglou|430603 云溪区 Yunxi|430611 君山区 Junshan|430621 岳阳县 Yueyang County
430623 华容县 Huarong|430624 湘阴县 Xiangyin|430626 平江县 Pingjiang|430681 汨罗市 Miluo
430682 临湘市 Linxiang|430702 武陵区 Wuling|430703 鼎城区 Dingcheng|430721 安乡县 Anxiang
430722 汉寿县 Hanshou|430723 澧县 Li County|430724 临澧县 Linli|430725 桃源县 Taoyuan
430726 石门县 Shimen|430781 津市市 Jinshi|430802 永定区 Yongding|430811 武陵源区 Wulingyuan
430821 慈利县 Cili|430822 桑植县 Sangzhi|430902 资阳区 Ziyang|430903 赫山区 Heshan
430921 南县 Nan County|430922 桃江县 Taojiang|430923 安化县 Anhua|430981 沅江市 Yuanjiang
431002 北湖区 Beihu|431003 苏仙区 Suxian|431021 桂阳县 Guiyang|431022 宜章县 Yizhang
431023 永兴县 Yongxing|431024 嘉禾县 Jiahe|431025 临武县 Linwu|431026 汝城县 Rucheng
431027 桂东县 Guidong|431028 安仁县 Anren|431081 资兴市 Zixing|431102 零陵区 Lingling
431103 冷水滩区 Lengshuitan|431122 东安县 Dong'an|431123 双牌县 Shuangpai|431124 道县 Dao County
431125 江永县 Jiangyong|431126 宁远县 Ningyuan|431127 蓝山县 Lanshan|431128 新田县 Xintian
431129 江华瑶族自治县 Jianghua|431181 祁阳市 Qiyang|431202 鹤城区 Hecheng|431221 中方县 Zhongfang
431222 沅陵县 Yuanling|431223 辰溪县 Chenxi|431224 溆浦县 Xupu|431225 会同县 Huitong
431226 麻阳苗族自治县 Mayang|431227 新晃侗族自治县 Xinhuang|431228 芷江侗族自治县 Zhijiang
431229 靖州苗族侗族自治县 Jingzhou|431230 通道侗族自治县 Tongdao|431281 洪江市 Hongjiang
431302 娄星区 Louxing|431321 双峰县 Shuangfeng|431322 新化县 Xinhua|431381 冷水江市 Lengshuijiang
431382 涟源市 Lianyuan|433101 吉首市 Jishou|433122 泸溪县 Luxi|433123 凤凰县 Fenghuang
433124 花垣县 Huayuan|433125 保靖县 Baojing|433126 古丈县 Guzhang|433127 永顺县 Yongshun
433130 龙山县 Longshan
"""

# Syllables for synthetic township names: common in Hunan place names, none a real pairing.
_TOWN_A = "青石白金新龙凤桃花黄杨枫荷梅竹柳云泉松长安平和兴福"
_TOWN_B = "桥塘湾坪冲田溪江口山岭河洲铺市圩坳垅源"
_PINYIN = {
    "青": "Qing",
    "石": "Shi",
    "白": "Bai",
    "金": "Jin",
    "新": "Xin",
    "龙": "Long",
    "凤": "Feng",
    "桃": "Tao",
    "花": "Hua",
    "黄": "Huang",
    "杨": "Yang",
    "枫": "Feng",
    "荷": "He",
    "梅": "Mei",
    "竹": "Zhu",
    "柳": "Liu",
    "云": "Yun",
    "泉": "Quan",
    "松": "Song",
    "长": "Chang",
    "安": "An",
    "平": "Ping",
    "和": "He",
    "兴": "Xing",
    "福": "Fu",
    "桥": "qiao",
    "塘": "tang",
    "湾": "wan",
    "坪": "ping",
    "冲": "chong",
    "田": "tian",
    "溪": "xi",
    "江": "jiang",
    "口": "kou",
    "山": "shan",
    "岭": "ling",
    "河": "he",
    "洲": "zhou",
    "铺": "pu",
    "市": "shi",
    "圩": "xu",
    "坳": "ao",
    "垅": "long",
    "源": "yuan",
}


def counties() -> list[tuple[str, str, str]]:
    """(code, name_zh, name_en) of the 122 county-level divisions."""
    out: list[tuple[str, str, str]] = []
    for line in _COUNTIES_TEXT.strip().splitlines():
        for item in line.split("|"):
            code, zh, en = item.split(" ", 2)
            out.append((code, zh, en))
    return out


@dataclass(frozen=True)
class Regions:
    """The region tree as arrays: townships are the unit people live in."""

    table: pa.Table
    county_codes: list[str]
    county_city: npt.NDArray[np.int32]  # city index per county
    county_weight: npt.NDArray[np.float64]  # share of the province's population
    town_codes: list[str]
    town_code_int: npt.NDArray[np.int64]
    town_county: npt.NDArray[np.int32]  # county index per township
    city_codes: list[str]


def build_regions() -> Regions:
    """The fixed region tree; townships come from a fixed stream, whatever the seed."""
    rng = stream(4300, "regions")
    rows: list[tuple[str, str, str, str, str | None]] = [(*PROVINCE[:1], "province", *PROVINCE[1:], None)]
    city_index = {c[0]: i for i, c in enumerate(CITIES)}
    for code, zh, en, _ in CITIES:
        rows.append((code, "city", zh, en, PROVINCE[0]))
    cty = counties()
    county_city = np.array([city_index[c[0][:4] + "00"] for c in cty], dtype=np.int32)
    city_pop = np.array([c[3] for c in CITIES])
    per_city = np.bincount(county_city, minlength=len(CITIES))
    # Districts (区) are denser than rural counties; a fixed jitter avoids equal shares.
    dense = np.array([1.8 if zh.endswith("区") else 1.0 for _, zh, _ in cty])
    raw = dense * rng.uniform(0.7, 1.3, size=len(cty))
    city_sum = np.bincount(county_city, weights=raw, minlength=len(CITIES))
    weight = raw / city_sum[county_city] * (city_pop / city_pop.sum())[county_city]
    assert per_city.min() > 0
    town_codes: list[str] = []
    town_county: list[int] = []
    for i, (code, zh, en) in enumerate(cty):
        rows.append((code, "county", zh, en, code[:4] + "00"))
        district = zh.endswith("区")
        n = int(rng.integers(8, 15) if district else rng.integers(12, 24))
        seen: set[str] = set()
        k = 0
        while len(seen) < n:
            a = _TOWN_A[int(rng.integers(len(_TOWN_A)))]
            b = _TOWN_B[int(rng.integers(len(_TOWN_B)))]
            if a + b in seen:
                continue
            seen.add(a + b)
            k += 1
            # Township codes: 0xx street offices (街道), 1xx towns (镇), 2xx townships (乡).
            if district or k <= 2:
                kind_zh, kind_en, tcode = "街道", "Subdistrict", k
            elif k % 5:
                kind_zh, kind_en, tcode = "镇", "Town", 100 + k
            else:
                kind_zh, kind_en, tcode = "乡", "Township", 200 + k
            full = f"{code}{tcode:03d}"
            rows.append((full, "township", a + b + kind_zh, _PINYIN[a] + _PINYIN[b] + " " + kind_en, code))
            town_codes.append(full)
            town_county.append(i)
    cols = list(zip(*rows, strict=True))
    table = pa.table(
        {
            "region_code": pa.array(cols[0], pa.string()),
            "level": pa.array(cols[1], pa.string()),
            "name_zh": pa.array(cols[2], pa.string()),
            "name_en": pa.array(cols[3], pa.string()),
            "parent_code": pa.array(cols[4], pa.string()),
        }
    )
    return Regions(
        table=table,
        county_codes=[c[0] for c in cty],
        county_city=county_city,
        county_weight=weight,
        town_codes=town_codes,
        town_code_int=np.array([int(t) for t in town_codes], dtype=np.int64),
        town_county=np.array(town_county, dtype=np.int32),
        city_codes=[c[0] for c in CITIES],
    )
