"""Warning SMS templates, pure: one per scam type, Chinese, the fraud number's tail, no link, no number.

The 12381 practice: a police warning text names the tail of the number that contacted the person and
carries neither a link nor a number to call back, so any text that asks for either is a fake.
"""

from __future__ import annotations

import re

from fanzha.core.errors import ValidationFailed

TAIL = "{tail}"
MAX_LEN = 140  # two SMS segments of Chinese text at most
_LINK = re.compile(
    r"(https?:|ftp:|www\.|://|[a-z0-9-]+\.(?:com|cn|net|org|top|xyz|vip|cc|io|me|app|info|shop)\b)",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"[0-9０-９]{3,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")

HEAD = "【反诈预警】您近期与尾号{tail}的涉诈号码有联系。"
DEFAULT_TEMPLATES: dict[str, str] = {
    "order_brushing": HEAD + "刷单返利都是诈骗，先垫资后返利必被骗，请立即停止转账。",
    "fake_investment": HEAD + "所谓稳赚不赔、内幕消息的投资理财都是诈骗，请勿转账。",
    "fake_shopping": HEAD + "低价购物、私下交易要求先付款的多为诈骗，请勿转账。",
    "fake_customer_service": HEAD + "自称客服要求退款理赔、共享屏幕的都是诈骗，请勿操作转账。",
    "fake_loan": HEAD + "放贷前收取手续费、保证金的都是诈骗，请勿转账。",
    "fake_credit": HEAD + "注销校园贷、修复征信要求转账的都是诈骗，请勿转账。",
    "fake_acquaintance": HEAD + "自称领导熟人借钱汇款，请当面或用原有方式核实，请勿转账。",
    "fake_police": HEAD + "公检法不会电话办案，更没有安全账户，请勿转账。",
    "romance": HEAD + "网恋对象引导投资、博彩或借钱的都是诈骗，请勿转账。",
    "game_trading": HEAD + "游戏装备私下交易、解冻账号收费的都是诈骗，请勿转账。",
    "other": HEAD + "可能正在遭遇电信网络诈骗，请勿向陌生人转账。",
}


def check_template(scam_type: str, text: str) -> str:
    """A template is Chinese, shows the tail once, and has no link and no number to call (12381 practice)."""
    field = f"templates.{scam_type}"
    problems: list[tuple[str, str]] = []
    if _LINK.search(text):
        problems.append(("预警短信不得含有链接", "A warning SMS must not contain a link"))
    if _DIGITS.search(text.replace(TAIL, "")):
        problems.append(
            (
                "预警短信不得含有回拨号码或其他数字串（真警方预警不要求回电）",
                "A warning SMS must carry no number to call back",
            )
        )
    if text.count(TAIL) != 1:
        problems.append(
            ("预警短信须含一次 {tail}（涉诈号码尾号）", "A warning SMS shows {tail} exactly once")
        )
    if len(_CJK.findall(text)) < 10:
        problems.append(("预警短信须为中文", "A warning SMS is written in Chinese"))
    if len(text.replace(TAIL, "0000")) > MAX_LEN:
        problems.append((f"预警短信不超过 {MAX_LEN} 字", f"A warning SMS has at most {MAX_LEN} characters"))
    if problems:
        zh, en = problems[0]
        raise ValidationFailed(zh, en, field=field)
    return text


def check_templates(templates: dict[str, str], scam_types: list[str]) -> dict[str, str]:
    """Every scam type has a valid template (the defaults fill gaps); refusal names the first bad one."""
    unknown = sorted(set(templates) - set(scam_types))
    if unknown:
        raise ValidationFailed(
            f"未知诈骗类型：{unknown[0]}", f"Unknown scam type: {unknown[0]}", field=f"templates.{unknown[0]}"
        )
    merged = DEFAULT_TEMPLATES | templates
    return {k: check_template(k, v) for k, v in merged.items()}


def tail_of(number: str) -> str:
    """The last 4 digits of a number or account, or '' when it has fewer."""
    digits = re.sub(r"\D", "", number)
    return digits[-4:] if len(digits) >= 4 else ""


def render(template: str, tail: str) -> str:
    """The text sent: the template with the tail (an unknown tail reads 「****」)."""
    return template.replace(TAIL, tail if re.fullmatch(r"\d{4}", tail) else "****")
