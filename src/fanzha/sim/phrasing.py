"""A generative grammar over message templates: synonyms, openers and closers, then filter-evading disguises.

Scam senders rewrite the same script endlessly and disguise the words that keyword filters look for:
pinyin or homophones instead of the word, punctuation or spaces inside it, full-width letters, emoji,
traditional characters (sources in docs/sim.md). Legitimate senders vary their wording too, and
marketing uses emoji and full-width text freely, so the surface noise is not a scam cue by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

# Groups of interchangeable words: any member found in a template may become any other member.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("转账", "转款", "汇款", "打款", "转钱"),
    ("账户", "账号", "帐户", "卡号"),
    ("验证码", "动态码", "短信码", "动态密码"),
    ("下载", "安装", "下个"),
    ("点击", "打开", "进入", "访问"),
    ("立即", "马上", "立刻", "赶紧", "尽快"),
    ("佣金", "提成", "返利", "报酬", "奖励金"),
    ("冻结", "锁定", "封停", "止付"),
    ("解冻", "解封", "恢复"),
    ("客服", "售后", "专员", "工作人员"),
    ("您好", "你好", "亲", "尊敬的用户", "您好呀"),
    ("微信", "VX", "vx", "威信", "wx", "V信", "薇信"),
    ("APP", "app", "软件", "客户端"),
    ("贷款", "借款", "网贷", "放款", "借钱"),
    ("征信", "信用记录", "信用报告", "个人信用"),
    ("退款", "理赔", "退费", "赔付", "退钱"),
    ("刷单", "做任务", "点赞任务", "做单"),
    ("兼职", "副业", "零工", "临时工"),
    ("投资", "理财", "炒股"),
    ("老师", "导师", "大师", "分析师"),
    ("收益", "回报", "利润", "盈利"),
    ("通缉令", "逮捕令", "拘留证"),
    ("安全账户", "监管账户", "核查账户", "资金清查账户"),
    ("保证金", "押金", "手续费", "服务费", "工本费", "激活费"),
    ("截图", "截个图", "拍照"),
    ("链接", "网址", "入口", "通道"),
    ("注册", "登记", "开户"),
    ("额度", "金额", "授信"),
    ("提现", "取现", "出金"),
    ("涉嫌", "牵涉", "卷入"),
    ("配合调查", "协助调查", "配合核查", "配合办案"),
    ("保密", "不要声张", "不得外传"),
)
_FIELD = re.compile(r"(\{[a-z_]+\})")
OPENERS = ("", "", "", "【温馨提示】", "亲，", "您好！", "紧急通知：", "重要提醒：", "hi~", "在吗？")
CLOSERS = ("", "", "", "回复TD退订", "退订回T", "名额有限。", "过时不候！", "请尽快处理。", "谢谢配合。")
# Genuine senders frame their notices too, with some of the same words.
NOTICE_OPENERS = ("", "", "【温馨提示】", "尊敬的客户，", "您好，", "重要提醒：")
NOTICE_CLOSERS = ("", "", "回复TD退订", "退订回T", "谢谢配合。", "如有疑问请致电官方客服。")
EMOJI = ("🔥", "💰", "🎁", "👉", "✅", "❗", "⚠️", "📢", "🧧", "😊", "👍", "💯", "🌹", "✨")
# Latin letters that have Cyrillic or Greek twins (filter evasion); the detector folds them back.
HOMOGLYPHS = {"a": "а", "o": "о", "e": "е", "c": "с", "p": "р", "x": "х", "y": "у", "A": "Α", "B": "Β"}
HOMOGLYPHS |= {"O": "Ο", "P": "Ρ", "T": "Τ", "K": "Κ", "H": "Η", "M": "Μ", "X": "Χ"}
# Keyword spellings that keyword filters miss: pinyin, homophones, initials.
EVASIONS = {
    "微信": ("威信", "wei信", "VX", "薇❤"),
    "转账": ("转zhang", "专账", "zz"),
    "贷款": ("贷kuan", "dai款", "带款"),
    "刷单": ("shua单", "刷dan", "唰单"),
    "佣金": ("拥金", "yong金", "佣jin"),
    "兼职": ("兼zhi", "jian职", "简职"),
    "返利": ("反利", "fan利"),
    "验证码": ("验正码", "yzm", "验证马"),
    "投资": ("投zi", "头资"),
    "公安": ("公an", "G安"),
    "账户": ("帐hu", "账互"),
    "银行卡": ("yin行卡", "银航卡"),
    "征信": ("zheng信", "正信"),
    "退款": ("退kuan", "tui款"),
}
SPLITTERS = (" ", "*", "-", "_", ".", "/", "·", "|")
# Common characters in their traditional forms (Hong Kong, Taiwan and overseas senders, or evasion).
TRADITIONAL = dict(
    zip(
        "账转款钱贷单银号码资险证认验击链关联系员费务户发时间对为们个这说请会过还现进后让给从",
        "賬轉款錢貸單銀號碼資險證認驗擊鏈關聯係員費務戶發時間對為們個這說請會過還現進後讓給從",
        strict=True,
    )
)


def _pick(rng: np.random.Generator, items: tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def rephrase(template: str, rng: np.random.Generator, p: float = 0.6, frame: str = "scam") -> str:
    """The template with synonyms swapped (each group with probability p), an opener and a closer."""
    pieces = _FIELD.split(template)  # odd pieces are {fields}: never rewritten
    for group in SYNONYMS:
        present = [w for w in group if any(w in x for x in pieces[::2])]
        if present and rng.random() < p:
            word, other = max(present, key=len), _pick(rng, group)
            pieces = [x if i % 2 else x.replace(word, other) for i, x in enumerate(pieces)]
    out = "".join(pieces)
    openers, closers = (OPENERS, CLOSERS) if frame == "scam" else (NOTICE_OPENERS, NOTICE_CLOSERS)
    if frame != "chat" and rng.random() < 0.5:
        out = _pick(rng, openers) + out
    if frame != "chat" and rng.random() < 0.3:
        out = out + _pick(rng, closers)
    if rng.random() < 0.2:
        out = out.replace("，", ",").replace("。", ". ").replace("！", "!")
    return out


def _outside_links(text: str) -> list[tuple[int, int]]:
    """Spans of the text that are not links (a link must stay a working link)."""
    spans, i = [], 0
    for marker in ("http", "www."):
        j = text.find(marker)
        if j >= 0:
            end = j
            while end < len(text) and ord(text[end]) < 128 and not text[end].isspace():
                end += 1
            spans.append((i, j))
            i = end
            break
    spans.append((i, len(text)))
    return spans


def _map_outside_links(text: str, fn: Callable[[str], str]) -> str:
    """Apply `fn` to the parts of the text outside its link."""
    out, last = [], 0
    for a, b in _outside_links(text):
        out.append(text[last:a])
        out.append(fn(text[a:b]))
        last = b
    return "".join(out)


def _spaced_digits(s: str, rng: np.random.Generator) -> str:
    sep = _pick(rng, (" ", " ", "-", "."))
    out = []
    for i, ch in enumerate(s):
        out.append(ch)
        if ch.isdigit() and i + 1 < len(s) and s[i + 1].isdigit():
            out.append(sep)
    return "".join(out)


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def disguise(text: str, rng: np.random.Generator, evade: bool) -> str:
    """Surface noise on a rendered message; `evade` adds the keyword-filter evasions of scam senders."""
    out = text
    if evade:
        for word, spellings in EVASIONS.items():
            if word in out and rng.random() < 0.25:
                out = out.replace(word, _pick(rng, spellings), 1)
        if rng.random() < 0.2:
            for word in EVASIONS:
                if word in out:
                    out = out.replace(word, _pick(rng, SPLITTERS).join(word), 1)
                    break
        if rng.random() < 0.15:
            out = _map_outside_links(out, lambda s: "".join(HOMOGLYPHS.get(c, c) for c in s))
        if rng.random() < 0.25:
            out = _map_outside_links(out, lambda s: _spaced_digits(s, rng))
    if rng.random() < (0.15 if evade else 0.08):
        out = _map_outside_links(out, _full_width)
    if rng.random() < (0.12 if evade else 0.05):
        out = "".join(TRADITIONAL.get(c, c) for c in out)
    if rng.random() < (0.3 if evade else 0.2):
        k = int(rng.integers(1, 4))
        marks = "".join(_pick(rng, EMOJI) for _ in range(k))
        out = marks + out if rng.random() < 0.5 else out + marks
    return roughen(out, rng, evade)


# Writing noise both kinds of sender make (a scammer's hurried script more often): homophone and
# near-form typos, chat particles (register), English words among Chinese (mixed script), emoji between
# clauses. Rates are per message: (scam, genuine).
TYPOS = {
    "已经": "以经",
    "在吗": "再吗",
    "马上": "码上",
    "验证": "验正",
    "充值": "冲值",
    "提现": "提线",
    "冻结": "冻洁",
    "保证金": "保正金",
    "联系": "连系",
    "下载": "下栽",
    "安装": "按装",
    "理财": "理材",
    "账户": "帐户",
    "的": "得",
    "再": "在",
    "做": "作",
}
MIXED = {
    "微信": "WeChat",
    "客服": "kefu",
    "链接": "link",
    "下载": "download",
    "兼职": "part-time",
    "平台": "platform",
    "转账": "transfer",
    "验证码": "code",
    "好的": "ok",
    "谢谢": "thx",
}
PARTICLES = ("哈", "呢", "哦", "啦", "呀", "嘛", "哈哈", "噢")
TYPO_RATE = (0.3, 0.12)
PARTICLE_RATE = (0.15, 0.25)
MIXED_RATE = (0.12, 0.06)
INNER_EMOJI_RATE = (0.15, 0.1)


def roughen(text: str, rng: np.random.Generator, evade: bool) -> str:
    """Typos, chat particles, English words and inner emoji, outside the message's link."""
    i = 0 if evade else 1

    def swap(s: str, table: dict[str, str]) -> str:
        for word in (w for w in table if w in s):
            if rng.random() < 0.5:
                s = s.replace(word, table[word], 1)
        return s

    def clauses(s: str, marks: tuple[str, ...]) -> str:
        cuts = [j for j, ch in enumerate(s) if ch in "，,；"]
        if not cuts:
            return s
        j = cuts[int(rng.integers(len(cuts)))]
        return s[:j] + _pick(rng, marks) + s[j:]

    out = text
    if rng.random() < TYPO_RATE[i]:
        out = _map_outside_links(out, lambda s: swap(s, TYPOS))
    if rng.random() < MIXED_RATE[i]:
        out = _map_outside_links(out, lambda s: swap(s, MIXED))
    if rng.random() < PARTICLE_RATE[i]:
        out = _map_outside_links(out, lambda s: clauses(s, PARTICLES))
    if rng.random() < INNER_EMOJI_RATE[i]:
        out = _map_outside_links(out, lambda s: clauses(s, EMOJI))
    return out


def vary(template: str, rng: np.random.Generator, evade: bool, chat: bool = False) -> str:
    """Rephrase a template before its fields are filled; genuine notices keep their own framing."""
    if evade:
        return rephrase(template, rng)
    return rephrase(template, rng, 0.5, "chat" if chat else "notice") if rng.random() < 0.7 else template


def compose(hooks: tuple[str, ...], asks: tuple[str, ...], rng: np.random.Generator, link: bool) -> str:
    """A template from a type's phrase slots: a hook, a joiner, a request, and perhaps the link field."""
    joiner = _pick(rng, ("，", "！", "。", "，现在", "，只要", "，但是"))
    tail = _pick(rng, ("：{url}", "，链接{url}", " {url}")) if link else ""
    return _pick(rng, hooks) + joiner + _pick(rng, asks) + tail
