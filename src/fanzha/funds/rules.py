"""The articles the funds rules rest on, quoted, until `fanzha.law` holds the texts."""

from __future__ import annotations

from dataclasses import dataclass

HUNAN = "《湖南省实施〈中华人民共和国反电信网络诈骗法〉若干规定》"
NATIONAL = "《中华人民共和国反电信网络诈骗法》"


@dataclass(frozen=True)
class Article:
    """One article (or paragraph) with the words a rule rests on."""

    key: str
    source: str
    cite_zh: str
    cite_en: str
    text: str


ARTICLES: dict[str, Article] = {
    a.key: a
    for a in (
        Article(
            "hunan.18.4",
            HUNAN,
            "第十八条第四款",
            "Hunan Art 18¶4",
            "对监测识别的转账收款方为涉诈账户等紧急情况，银行业金融机构、非银行支付机构有权直接采取"
            "延迟支付结算、限制或者中止有关业务等必要的防范措施。",
        ),
        Article(
            "hunan.19.1",
            HUNAN,
            "第十九条第一款",
            "Hunan Art 19¶1",
            "公安机关对电信网络诈骗案件涉案资金依法采取冻结措施，应当严格遵守法律、行政法规和国家有关规定，"
            "不得超权限、超范围、超数额、超时限冻结。",
        ),
        Article(
            "hunan.19.2",
            HUNAN,
            "第十九条第二款",
            "Hunan Art 19¶2",
            "经核查，冻结账户内流入的资金与案件明显无关或者能够排除涉案嫌疑的，公安机关应当在查明后在三日内解除冻结。",
        ),
        Article(
            "hunan.19.3",
            HUNAN,
            "第十九条第三款",
            "Hunan Art 19¶3",
            "公安机关采取紧急止付、快速冻结措施后，应当在国家规定的期限内完成核查甄别，准确区分涉案资金与合法财产，"
            "核实涉案金额，根据核查结果依法作出继续冻结、解除冻结或者资金返还决定。",
        ),
        Article(
            "hunan.35.1",
            HUNAN,
            "第三十五条第一款",
            "Hunan Art 35¶1",
            "公安机关应当加强电信网络诈骗违法犯罪案件的追赃挽损，会同有关部门依照国家规定建立健全涉案资金处置制度，"
            "及时返还被害人的合法财产，最大限度挽回被害人损失。",
        ),
        Article(
            "hunan.35.2",
            HUNAN,
            "第三十五条第二款",
            "Hunan Art 35¶2",
            "银行业金融机构、非银行支付机构应当依法协助公安机关查清被害人资金流向，"
            "配合公安机关将涉案资金返还至公安机关指定的被害人账户。",
        ),
        Article(
            "hunan.35.3",
            HUNAN,
            "第三十五条第三款",
            "Hunan Art 35¶3",
            "因客观原因无法确定被害人，且符合国家无主财物处理规定的涉案资金，公安机关在案件侦查终结或者终止侦查后，"
            "可以依法登记后上缴国库。事后发现依法应当退还的，应当依法及时办理退还手续。",
        ),
        Article(
            "national.20",
            NATIONAL,
            "第二十条",
            "National law Art 20",
            "国务院公安部门会同有关部门建立完善电信网络诈骗涉案资金即时查询、紧急止付、快速冻结、及时解冻和资金返还制度，"
            "明确有关条件、程序和救济措施。",
        ),
        Article(
            "national.34",
            NATIONAL,
            "第三十四条",
            "National law Art 34",
            "对电信网络诈骗案件应当加强追赃挽损，完善涉案资金处置制度，及时返还被害人的合法财产。",
        ),
    )
}


@dataclass(frozen=True)
class Rule:
    """A rule of the funds area: a stable name, the article it rests on, and what it says in brief."""

    name: str
    article: str  # key of ARTICLES
    zh: str
    en: str

    @property
    def cite_zh(self) -> str:
        """「《…》第十九条第一款」."""
        a = ARTICLES[self.article]
        return f"{a.source}{a.cite_zh}"

    @property
    def cite_en(self) -> str:
        """ "Hunan Art 19¶1"."""
        return ARTICLES[self.article].cite_en


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        # Art 19¶1 不得超数额: a freeze never exceeds the money of the case traced to the account.
        Rule(
            "freeze.amount_cap",
            "hunan.19.1",
            "冻结金额不得超过追踪到该账户的涉案金额",
            "freeze above the amount traced",
        ),
        # Art 19¶1 不得超时限: a term (or a renewal) is at most the term the national rules allow.
        Rule("freeze.term_cap", "hunan.19.1", "冻结期限不得超过法定期限", "freeze term beyond the limit"),
        # Art 19¶1 不得超范围: the same funds are not frozen twice (a later freeze queues instead).
        Rule(
            "freeze.no_duplicate",
            "hunan.19.1",
            "同一资金不得重复冻结（可轮候冻结）",
            "duplicate freeze of the same funds",
        ),
        # Art 19¶1 不得超权限: the approval of the head of a county-level or higher police unit.
        Rule(
            "freeze.approval",
            "hunan.19.1",
            "冻结须经县级以上公安机关负责人批准",
            "freeze approval by the head of a county+ unit",
        ),
        # Art 19¶1: a renewal is made before the term ends, else the freeze lapses.
        Rule(
            "freeze.renew_before_expiry",
            "hunan.19.1",
            "续冻须在冻结期限届满前办理",
            "renewal only before expiry",
        ),
        # Art 19¶1 不得超权限: a renewal needs the same approval as the freeze, by its own approval step.
        Rule(
            "freeze.renewal_approval",
            "hunan.19.1",
            "续冻须经县级以上公安机关负责人批准",
            "renewal approval by the head of a county+ unit",
        ),
        # Art 19¶1 不得超时限: one renewal waits at a time, so two cannot stack beyond the term.
        Rule(
            "freeze.renewal_single",
            "hunan.19.1",
            "同一冻结同时只能有一个待审批的续冻申请",
            "one renewal awaiting approval per freeze",
        ),
        # Art 19¶2: funds found unrelated are released within three days of the finding.
        Rule(
            "release.three_days",
            "hunan.19.2",
            "查明资金与案件无关的，应在三日内解除冻结",
            "release within 3 days of the finding",
        ),
        # Art 19¶3: a stop-payment or freeze ends in continue, release or return, with its reasons.
        Rule(
            "verification.outcome",
            "hunan.19.3",
            "核查后须作出继续冻结、解除冻结或资金返还决定",
            "verification ends in continue, release or return",
        ),
        # Art 19¶3 + national law Art 20: the stop-payment term (48 h, extendable once) and its amount.
        Rule(
            "stop.term",
            "hunan.19.3",
            "紧急止付须在规定期限内（48 小时，可延长一次）",
            "stop-payment within its term (48 h, once extended)",
        ),
        Rule(
            "stop.amount_cap",
            "hunan.19.1",
            "止付金额不得超过涉案金额",
            "stop-payment above the amount involved",
        ),
        # Art 18¶4: the institution acts on a fraud payee at once; the answer deadline follows from it.
        Rule(
            "stop.answer",
            "hunan.18.4",
            "机构须立即对止付指令作出回执",
            "institution answers a stop-payment at once",
        ),
        # Art 35¶2: institutions help trace the victims' money (onward transfers in the receipt).
        Rule(
            "trace.onward",
            "hunan.35.2",
            "机构须协助查清被害人资金流向",
            "institutions report where the money went",
        ),
        # Art 35¶2: the engine's leads stay within the hops it follows and the money it locates there.
        Rule(
            "trace.lead_bound",
            "hunan.35.2",
            "资金追踪线索限于追踪跳数以内、该账户仍留存的被害人资金",
            "trace leads within the hops and the victims' money still there",
        ),
        # Art 35¶1-2, national law Art 34: return to the victims; never more than frozen or than the loss.
        Rule("return.cap_frozen", "hunan.35.2", "返还金额不得超过冻结金额", "return above what is frozen"),
        Rule("return.cap_loss", "hunan.35.1", "返还金额不得超过被害人损失", "return above the victim's loss"),
        Rule(
            "return.method",
            "national.34",
            "返还方式须有依据（单笔、按时间可追溯、按比例）",
            "return method needs its basis",
        ),
        Rule(
            "return.notice",
            "national.34",
            "按比例返还须先公告三十日",
            "pro-rata return only after a 30-day notice",
        ),
        Rule(
            "return.objection",
            "national.34",
            "公告期内的异议未处理完毕前不得返还",
            "no return while an objection to the notice is undecided",
        ),
        Rule("return.officers", "national.34", "返还指令须两名办案民警签名", "a return names two officers"),
        # Art 35¶1 (及时返还): transfers are facts of the past, in whole fen, above zero.
        Rule(
            "transfer.in_past", "hunan.35.1", "转账时间不得晚于当前时间", "a transfer cannot be in the future"
        ),
        Rule("money.positive", "hunan.35.1", "金额须为正整数（分）", "amounts are positive integer fen"),
        # Art 35¶3: money whose victims cannot be determined goes to the treasury, registered, only after
        # the investigation ended (and, here, after the 30-day notice found no claimant); a later claimant
        # is refunded, never more than was paid in and not yet refunded.
        Rule(
            "treasury.unclaimed",
            "hunan.35.3",
            "无法确定被害人的涉案资金，侦查终结或终止侦查且公告期满后方可登记上缴国库",
            "to the treasury only after the investigation ended and the notice found no claimant",
        ),
        Rule(
            "treasury.refund_cap",
            "hunan.35.3",
            "上缴国库后依法退还的金额不得超过上缴且尚未退还的金额",
            "refund above what was paid to the treasury and not yet refunded",
        ),
        # Art 35¶1 (返还被害人的合法财产): a victim's own report is acted on once the police confirm it.
        Rule(
            "intake.confirmed",
            "hunan.35.1",
            "被害人网上报案须经公安机关确认后方可止付",
            "a victim's own report is confirmed by the police before stop-payment",
        ),
    )
}
