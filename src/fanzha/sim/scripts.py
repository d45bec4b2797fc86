"""How a scam is written down: stages, playbooks, and the genuine warnings that mimic them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One step of a script: who says what on which channel, and what the target does next."""

    channel: str  # call | sms | chat
    texts: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    action: str | None = None  # visit | install | pay
    delay_min: tuple[int, int] = (5, 60)  # minutes after the previous stage
    call_s: tuple[int, int] = (0, 0)  # duration of a call stage
    platform: int = 0  # index into the playbook's platforms, for chats


@dataclass(frozen=True)
class Playbook:
    """How one scam type is run."""

    code: str
    platforms: tuple[str, ...]
    uses_url: bool
    uses_app: bool
    payments: tuple[int, int]  # fewest and most payments by one victim
    loss_median_yuan: float
    stages: tuple[Stage, ...]
    broadcast: tuple[str, ...] = ()
    brands: tuple[str, ...] = ("平台",)
    site_words: tuple[str, ...] = ("pay",)
    site_title: str = "安全中心"
    app_name: str = "助手"


_PAY_MORE = "操作超时导致资金被冻结，需要再转入{amount}元解冻，解冻后本金一并退还。"


def chat(
    *texts: str,
    replies: tuple[str, ...] = (),
    action: str | None = None,
    delay: tuple[int, int] = (5, 60),
    platform: int = 0,
) -> Stage:
    """A chat stage: the scammer writes one of `texts`; the target may reply."""
    return Stage("chat", texts, replies, action, delay, platform=platform)


def sms(*texts: str, action: str | None = None, delay: tuple[int, int] = (5, 60)) -> Stage:
    """An SMS stage."""
    return Stage("sms", texts, (), action, delay)


def call(seconds: tuple[int, int], delay: tuple[int, int] = (0, 0)) -> Stage:
    """A phone call stage (its content is not recorded, only its length)."""
    return Stage("call", (), (), None, delay, call_s=seconds)


REPEAT_PAY = Stage("chat", (_PAY_MORE,), (), "pay", (30, 600))

# Genuine anti-fraud messages (hard negatives): they use the scammers' vocabulary on purpose.
BANK_WARNINGS = (
    "【{bank}】温馨提示：公检法机关不会通过电话办案，更没有“安全账户”，请勿向陌生账户转账。",
    "【{bank}】近期刷单返利、虚假投资理财诈骗高发，凡是要求先垫付、先充值的都是诈骗，谨防上当。",
    "【{bank}】您尾号{tail}的账户今日向陌生账户转账，如非本人操作或疑似被骗，请立即致电客服。",
)
POLICE_WARNINGS = (
    "【国家反诈中心】您刚接听的号码疑似诈骗电话，任何要求您转账、下载会议APP、开启屏幕共享的都是诈骗！",
    "【湖南省反诈中心】警方提示：刷单返利、网络贷款、冒充客服退款都是诈骗，如有疑问请拨打96110。",
    "【工信部反诈中心】您近期接到境外来电，请提高警惕，不要向任何人透露验证码，不要转账。",
)
