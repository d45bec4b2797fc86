"""A slot grammar of scam scripts and their legitimate look-alikes: thousands of phrasings per type.

Each scam type has slots (who speaks, the lure, the request, the pressure, where to go next, and short
lines said mid-script) written from the public descriptions of each script in police releases (sources
in docs/sim.md, "Text grammar"); a message is a skeleton of slots joined by punctuation, so the space of
messages is the product of the slots (10^4 to 10^6 per type) before synonyms and disguises. Genuine
senders (job boards, shops, banks, brokers, couriers, government, anti-fraud centres, family chat) have
their own slots with the same vocabulary, so a word alone never decides.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fanzha.sim.grammar_more import MORE_SCAM, SUB_SCRIPTS, merge
from fanzha.sim.grammar_wide import WIDE_SHARE, wide_normal, wide_scam
from fanzha.sim.grammar_wide_normal import WIDE_NORMAL
from fanzha.sim.lookalikes import MORE_NORMAL, NORMAL
from fanzha.sim.scam_slots import SCAM

Slots = dict[str, tuple[str, ...]]
FREE_ORDER = 0.3  # share of grammar scam messages whose slots come in a random order
GRAMMAR_SHARE = 0.5  # share of scam messages the simulator writes from the slot grammar

# Fill-ins the grammar owns; {url}, {amount}, {brand} and {code} are left for the caller.
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林")
_CITIES = ("长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "郴州", "上海", "北京", "广州", "深圳", "哈尔滨")

# How a message is built from slots: a few long forms, many short ones (chats are short).
SKELETONS: tuple[tuple[str, ...], ...] = (
    ("who", "hook", "ask", "go"),
    ("who", "hook", "ask", "push"),
    ("hook", "ask", "push", "go"),
    ("who", "hook", "go"),
    ("hook", "ask", "go"),
    ("hook", "push", "go"),
    ("who", "ask", "push"),
    ("hook", "go"),
    ("hook", "ask"),
    ("who", "hook"),
    ("ask", "push"),
    ("line",),
    ("line", "push"),
    ("line", "ask"),
    ("who", "line"),
)
_JOINERS = ("，", "，", "。", "！", " ", "；", "~", "，现在", "，只要")
_ENDINGS = ("", "", "。", "！", "!!", "~", "？")

NORMAL_WEIGHT = {
    "job": 2,
    "marketing": 3,
    "bank": 3,
    "broker": 1,
    "delivery": 2,
    "service": 2,
    "gov": 1,
    "warning": 2,
    "family": 3,
    "friend": 3,
    "work": 2,
    "reply": 1,
}
merge(SCAM, MORE_SCAM)
merge(SCAM, SUB_SCRIPTS)
NORMAL["work"] = {}
NORMAL["reply"] = {}
merge(NORMAL, MORE_NORMAL)
_NORMAL_SKELETONS: tuple[tuple[str, ...], ...] = (
    ("who", "hook", "ask"),
    ("who", "hook", "ask", "push"),
    ("who", "hook", "push", "go"),
    ("who", "hook"),
    ("hook", "ask"),
    ("who", "hook", "go"),
    ("hook",),
)
_GREETINGS = (
    "在吗？",
    "在吗",
    "你好呀",
    "hi~",
    "亲，",
    "您好！",
    "嗯嗯",
    "我也是",
    "好的",
    "收到",
    "哈喽",
    "在不在",
)
_WX = ("vx", "wx", "kf", "jd", "a", "li", "zz")
_SHOPS = ("步步高", "友阿百货", "沃尔玛", "瑞幸咖啡", "茶颜悦色", "文和友", "华润万家", "盒马鲜生")


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def own_fields(text: str, rng: np.random.Generator) -> str:
    """Fill the grammar's own fields; the caller's ({url}, {amount}, {brand}, {code}) stay."""
    fills: dict[str, Callable[[], str]] = {
        "{nm}": lambda: _pick(rng, _SURNAMES),
        "{city}": lambda: _pick(rng, _CITIES),
        "{shop}": lambda: _pick(rng, _SHOPS),
        "{m}": lambda: str(int(rng.choice((5, 8, 10, 20, 30, 50, 88, 100, 200, 300, 500, 800)))),
        "{M}": lambda: str(int(rng.choice((2000, 5000, 10000, 30000, 50000, 100000, 200000)))),
        "{pct}": lambda: str(int(rng.integers(3, 60))),
        "{k}": lambda: str(int(rng.integers(1, 10))),
        "{d}": lambda: str(int(rng.integers(1, 29))),
        "{t}": lambda: f"{int(rng.integers(0, 10_000)):04d}",
        "{c}": lambda: f"{int(rng.integers(0, 1_000_000)):06d}",
        "{qq}": lambda: str(int(rng.integers(10**7, 10**10))),
        "{wx}": lambda: _pick(rng, _WX) + str(int(rng.integers(100, 99999))),
        "{tel}": lambda: "1" + str(int(rng.choice((3, 5, 7, 8, 9)))) + f"{int(rng.integers(0, 10**9)):09d}",
    }
    for key, make in fills.items():
        while key in text:
            text = text.replace(key, make(), 1)
    return text


def _assemble(slots: Slots, skeleton: tuple[str, ...], rng: np.random.Generator) -> str:
    parts = [_pick(rng, slots[s]) for s in skeleton if s in slots]
    out = parts[0]
    for p in parts[1:]:
        out += _pick(rng, _JOINERS) + p
    return out + _pick(rng, _ENDINGS)


def scam_template(code: str, rng: np.random.Generator, link: bool | None = None) -> str:
    """A scam message template of type `code` (its own fields filled; {url} etc. left for the caller)."""
    if rng.random() < WIDE_SHARE:  # the stage patterns of grammar_wide: a wider space of phrasings
        text = wide_scam(code, rng)
    elif rng.random() < FREE_ORDER:  # any two to four slots in any order: a script is not a form
        names = ("who", "hook", "ask", "push", "go", "line")
        k = int(rng.integers(2, 5))
        skeleton = tuple(names[int(i)] for i in rng.permutation(len(names))[:k])
        text = _assemble(SCAM[code], skeleton, rng)
    else:
        text = _assemble(SCAM[code], SKELETONS[int(rng.integers(len(SKELETONS)))], rng)
    if link and "{url}" not in text:
        text += _pick(rng, ("：{url}", " {url}", "，链接{url}"))
    if link is False:
        text = text.replace("{url}", "")
    return own_fields(text, rng)


def normal_text(rng: np.random.Generator, kind: str | None = None) -> str:
    """One genuine message (its fields filled except {url})."""
    if (kind is None or kind in WIDE_NORMAL) and rng.random() < WIDE_SHARE:
        return own_fields(wide_normal(rng, kind), rng)
    if kind is None:
        kinds = tuple(NORMAL_WEIGHT)
        w = np.array([NORMAL_WEIGHT[k] for k in kinds], dtype=float)
        kind = kinds[int(rng.choice(len(kinds), p=w / w.sum()))]
    slots = NORMAL[kind]
    skeleton = _NORMAL_SKELETONS[int(rng.integers(len(_NORMAL_SKELETONS)))]
    if kind in ("family", "friend", "work", "reply"):
        skeleton = skeleton[1:] if rng.random() < 0.5 and len(skeleton) > 1 else skeleton
        if rng.random() < 0.15:  # a bare greeting or reply: people open chats the way scammers do
            return _pick(rng, _GREETINGS)
        if rng.random() < 0.25:
            return _pick(rng, _GREETINGS) + own_fields(_assemble(slots, skeleton, rng), rng)
    return own_fields(_assemble(slots, skeleton, rng), rng)


_SCAM_HOSTS = ("http://", "https://", "www.", "")
_TLDS = (".cc", ".top", ".vip", ".xyz", ".com", ".cn", ".net", ".icu")


def _scam_url(rng: np.random.Generator) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    name = "".join(letters[int(i)] for i in rng.integers(0, len(letters), int(rng.integers(4, 10))))
    path = "/" + "".join(letters[int(i)] for i in rng.integers(0, 26, 4)) if rng.random() < 0.5 else ""
    return _pick(rng, _SCAM_HOSTS) + name + _pick(rng, _TLDS) + path


def corpus(seed: int, per_type: int, normal: int) -> tuple[list[str], list[str]]:
    """Labelled messages straight from the grammar (for training text models): `per_type` of each scam
    type, rephrased and disguised as the simulator's scam senders do, and `normal` genuine messages."""
    from fanzha.sim.phrasing import disguise, vary  # here: phrasing is the grammar's consumer too

    rng = np.random.default_rng([seed, 19])
    texts: list[str] = []
    labels: list[str] = []
    brands = ("淘宝", "京东", "拼多多", "抖音", "快手", "支付宝", "王者荣耀", "和平精英", "原神", "美团")
    for code in SCAM:
        for _ in range(per_type):
            tpl = vary(scam_template(code, rng, link=None if rng.random() < 0.7 else False), rng, evade=True)
            fill = {
                "url": _scam_url(rng),
                "amount": str(int(rng.choice((300, 500, 1000, 2000, 3000, 5000, 9800, 20000, 50000)))),
                "brand": _pick(rng, brands),
                "code": str(int(rng.integers(10**9, 10**10))),
            }
            texts.append(disguise(tpl.format(**fill), rng, evade=True))
            labels.append(code)
    for _ in range(normal):
        chat = rng.random() < 0.3
        tpl = vary(normal_text(rng), rng, evade=False, chat=chat)
        url = _pick(rng, ("https://m.tb.cn/", "https://3.cn/", "https://u.jd.com/", "https://dpurl.cn/"))
        texts.append(disguise(tpl.format(url=url + str(int(rng.integers(10**5, 10**6)))), rng, evade=False))
        labels.append("normal")
    return texts, labels
