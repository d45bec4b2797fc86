"""Every (object kind, trigger, measure) of the catalogue cites the article the provisions give for it.

The expected table below is written from the provisions (src/fanzha/law/hunan_provisions.txt, a copy of
the published text), independently of the catalogue: each entry must be in the catalogue with that
article, the catalogue must hold nothing else, and the cited paragraph must contain the phrase that
grants the measure. A trigger the article does not allow is refused naming the article that would.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import ValidationFailed
from fanzha.disposal.domain import (
    CATALOGUE,
    RELEASE_ARTICLE,
    RELEASE_GRANT,
    Measure,
    MeasureRule,
    Trigger,
    rule_for,
)
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind
from fanzha.law import AFL, article

K, M, T, Org = IdentifierKind, Measure, Trigger, OrgKind
_AT_ONCE = "即时采取限制、暂停服务等处置措施"

# (kind, trigger, measure) → (article, phrase that grants the measure there).
EXPECTED: dict[tuple[IdentifierKind, Trigger, Measure], tuple[str, str]] = {
    # Art 13: 重新进行实名核验 …；对未按规定核验或者核验未通过的，可以限制、暂停有关电话卡功能.
    (K.PHONE, T.ALERT, M.REVERIFY): ("第十三条", "重新进行实名核验"),
    (K.PHONE, T.REVERIFY_FAILED, M.RESTRICT): ("第十三条", "核验未通过的，可以限制、暂停有关电话卡功能"),
    (K.PHONE, T.REVERIFY_FAILED, M.SUSPEND): ("第十三条", "核验未通过的，可以限制、暂停有关电话卡功能"),
    # Art 11 (lines and ports): 重新核验使用者身份和使用场景，并根据核验结果采取相应处置措施.
    (K.PHONE, T.ALERT, M.REVERIFY_LINE): ("第十一条", "重新核验使用者身份和使用场景"),
    (K.PHONE, T.REVERIFY_FAILED, M.RESTRICT_LINE): ("第十一条", "根据核验结果采取相应处置措施"),
    (K.PHONE, T.REVERIFY_FAILED, M.STOP_LINE): ("第十一条", "根据核验结果采取相应处置措施"),
    # Art 33: 不得在境内为涉诈资金转移提供法定货币与虚拟货币之间的兑换、买卖 (through the exchange).
    (K.WALLET, T.ALERT, M.STOP_EXCHANGE): ("第三十三条", "法定货币与虚拟货币之间的兑换、买卖"),
    (K.WALLET, T.SAMPLE, M.STOP_EXCHANGE): ("第二十八条第一款", _AT_ONCE),
    # Art 28¶1: 有关单位应当按照公安机关要求，即时采取限制、暂停服务等处置措施.
    (K.PHONE, T.SAMPLE, M.RESTRICT): ("第二十八条第一款", _AT_ONCE),
    (K.PHONE, T.SAMPLE, M.SUSPEND): ("第二十八条第一款", _AT_ONCE),
    # Art 20¶2 on the accounts registered with a fraud number.
    (K.PHONE, T.ASSOCIATED, M.ASSOCIATED_REVERIFY): ("第二十条第二款", "所关联注册的互联网账号重新进行核验"),
    (K.PHONE, T.REVERIFY_FAILED, M.ASSOCIATED_RESTRICT): ("第二十条第二款", "限制功能"),
    # Internet accounts: Art 20¶1 dynamic verification, 20¶2 by risk after re-verification, 28¶1.
    (K.INTERNET_ACCOUNT, T.ALERT, M.REVERIFY): ("第二十条第一款", "动态核验"),
    (K.INTERNET_ACCOUNT, T.ASSOCIATED, M.REVERIFY): ("第二十条第二款", "重新进行核验"),
    (K.INTERNET_ACCOUNT, T.REVERIFY_FAILED, M.RECTIFY): ("第二十条第二款", "限期改正"),
    (K.INTERNET_ACCOUNT, T.REVERIFY_FAILED, M.RESTRICT): ("第二十条第二款", "限制功能"),
    (K.INTERNET_ACCOUNT, T.REVERIFY_FAILED, M.SUSPEND): ("第二十条第二款", "暂停使用"),
    (K.INTERNET_ACCOUNT, T.REVERIFY_FAILED, M.CLOSE_ACCOUNT): ("第二十条第二款", "关闭账号"),
    (K.INTERNET_ACCOUNT, T.REVERIFY_FAILED, M.BAN_REREGISTRATION): ("第二十条第二款", "禁止重新注册"),
    (K.INTERNET_ACCOUNT, T.SAMPLE, M.RESTRICT): ("第二十八条第一款", _AT_ONCE),
    (K.INTERNET_ACCOUNT, T.SAMPLE, M.SUSPEND): ("第二十八条第一款", _AT_ONCE),
    # A person: associated re-verification (20¶2), restriction after it fails, joint punishment (29¶2).
    (K.RESIDENT_ID, T.ASSOCIATED, M.ASSOCIATED_REVERIFY): (
        "第二十条第二款",
        "所关联注册的互联网账号重新进行核验",
    ),
    (K.RESIDENT_ID, T.REVERIFY_FAILED, M.ASSOCIATED_RESTRICT): ("第二十条第二款", "限制功能"),
    # A listing's measures per sector (fanzha.credit): Art 29¶2 落实相关业务限制办理.
    (K.RESIDENT_ID, T.JOINT_PUNISHMENT, M.RESTRICT_NON_COUNTER): ("第二十九条第二款", "相关业务限制办理"),
    (K.RESIDENT_ID, T.JOINT_PUNISHMENT, M.STOP_PAYMENT_ACCOUNT): ("第二十九条第二款", "相关业务限制办理"),
    (K.RESIDENT_ID, T.JOINT_PUNISHMENT, M.RESTRICT_CARDS_KEEP_BASIC): (
        "第二十九条第二款",
        "相关业务限制办理",
    ),
    (K.RESIDENT_ID, T.JOINT_PUNISHMENT, M.RESTRICT_RISKY_FUNCTIONS): ("第二十九条第二款", "相关业务限制办理"),
}
for _kind in (K.BANK_CARD, K.PAYMENT_ACCOUNT):
    EXPECTED |= {
        # Art 18¶3: 立即重新核验客户身份; 仍无法排除涉诈嫌疑的 延迟支付结算、限制账户功能、中止业务.
        (_kind, T.ALERT, M.REVERIFY): ("第十八条第三款", "立即重新核验客户身份"),
        (_kind, T.REVERIFY_FAILED, M.DELAY_SETTLEMENT): ("第十八条第三款", "延迟支付结算"),
        (_kind, T.REVERIFY_FAILED, M.RESTRICT): ("第十八条第三款", "限制账户功能"),
        (_kind, T.REVERIFY_FAILED, M.SUSPEND_BUSINESS): ("第十八条第三款", "中止业务"),
        # Art 18¶4: 转账收款方为涉诈账户 … 有权直接采取延迟支付结算、限制或者中止有关业务.
        (_kind, T.FRAUD_PAYEE, M.DELAY_SETTLEMENT): ("第十八条第四款", "有权直接采取延迟支付结算"),
        (_kind, T.FRAUD_PAYEE, M.RESTRICT): ("第十八条第四款", "限制或者中止有关业务"),
        (_kind, T.FRAUD_PAYEE, M.SUSPEND_BUSINESS): ("第十八条第四款", "限制或者中止有关业务"),
        (_kind, T.SAMPLE, M.RESTRICT): ("第二十八条第一款", _AT_ONCE),
        (_kind, T.SAMPLE, M.SUSPEND_BUSINESS): ("第二十八条第一款", _AT_ONCE),
    }
for _kind in (K.URL, K.DOMAIN, K.APP):
    _links = {M.BLOCK_LINK: "封堵下载链接", M.CLOSE_SITE: "关闭网站或者应用程序"}
    if _kind is K.APP:
        _links[M.TAKE_DOWN_APP] = "下架应用程序"
    for _measure, _phrase in _links.items():
        # Art 23¶1: on monitoring; Art 23¶2: on the departments' notice of an unlicensed site or app.
        EXPECTED[(_kind, T.ALERT, _measure)] = ("第二十三条第一款", _phrase)
        EXPECTED[(_kind, T.UNLICENSED, _measure)] = ("第二十三条第二款", _phrase)
    EXPECTED[(_kind, T.SAMPLE, M.BLOCK_LINK)] = ("第二十八条第一款", _AT_ONCE)


def test_the_catalogue_is_exactly_the_table_of_the_provisions() -> None:
    got = {(r.kind, r.trigger, r.measure): r.article for r in CATALOGUE}
    assert got == {key: value[0] for key, value in EXPECTED.items()}


@pytest.mark.parametrize("rule", CATALOGUE, ids=lambda r: f"{r.kind}-{r.trigger}-{r.measure}-{r.institution}")
def test_each_cited_paragraph_grants_the_measure(rule: MeasureRule) -> None:
    cited, phrase = EXPECTED[(rule.kind, rule.trigger, rule.measure)]
    assert phrase in article(cited), (cited, phrase)
    assert rule.grant in article(rule.article), (rule.article, rule.grant)


def test_release_and_joint_punishment_cite_what_grants_them() -> None:
    assert RELEASE_GRANT in article(RELEASE_ARTICLE)  # Art 34¶2 核查通过的，应当即时解除
    # AFL 31¶2: joint punishment is determined by police at prefecture (city) level or above.
    assert "设区的市级以上公安机关认定" in article("第三十一条第二款", AFL)
    assert "限制其有关卡、账户、账号等功能" in article("第三十一条第二款", AFL)


def test_immediate_measures_on_a_sample_are_not_art_13_or_18() -> None:
    """The issue's case: a sample's suspension cites Art 28¶1, never the re-verification articles."""
    phone = rule_for(K.PHONE, M.SUSPEND, Org.TELECOM, T.SAMPLE)
    card = rule_for(K.BANK_CARD, M.SUSPEND_BUSINESS, Org.BANK, T.SAMPLE)
    assert phone.article == card.article == "第二十八条第一款"
    assert rule_for(K.BANK_CARD, M.SUSPEND_BUSINESS, Org.BANK, T.FRAUD_PAYEE).article == "第十八条第四款"


_KEYS = sorted({(r.kind, r.measure) for r in CATALOGUE})


@given(st.sampled_from(_KEYS), st.sampled_from(list(Trigger)))
def test_a_wrong_trigger_is_refused_naming_the_article(
    key: tuple[IdentifierKind, Measure], trigger: Trigger
) -> None:
    kind, measure = key
    rules = [r for r in CATALOGUE if r.kind == kind and r.measure == measure]
    allowed = {r.trigger for r in rules}
    institution = rules[0].institution
    if trigger in allowed and any(r.trigger == trigger and r.institution == institution for r in rules):
        assert rule_for(kind, measure, institution, trigger).trigger is trigger
        return
    if trigger in allowed:
        return  # allowed on this trigger, for another sector only
    with pytest.raises(ValidationFailed) as error:
        rule_for(kind, measure, institution, trigger)
    assert error.value.field == "trigger"
    for r in rules:  # the refusal names the articles that would allow it
        assert r.article in error.value.message_zh


def test_no_restriction_or_suspension_follows_a_monitoring_alert_directly() -> None:
    """Art 11, 13, 18¶3, 20¶2: an alert brings re-verification (Art 23¶1 lets links and apps be blocked;
    Art 33 forbids exchanging fraud money at all, so a wallet's exchange stops serving it)."""
    for rule in CATALOGUE:
        if rule.trigger is T.ALERT and rule.kind not in (K.URL, K.DOMAIN, K.APP, K.WALLET):
            assert rule.measure in (M.REVERIFY, M.REVERIFY_LINE), rule
        if rule.measure is M.REVERIFY_LINE:
            assert rule.article == "第十一条"
        if rule.kind is K.WALLET and rule.trigger is T.ALERT:
            assert (rule.measure, rule.article) == (M.STOP_EXCHANGE, "第三十三条")


def test_the_law_module_reads_articles_and_paragraphs() -> None:
    assert article("第十八条第四款").startswith("对监测识别的转账收款方为涉诈账户")
    assert article("第三十四条").startswith("对具有涉诈异常情形的电话卡")
    with pytest.raises(KeyError):
        article("第十八条第九款")
    with pytest.raises(KeyError):
        article("第九十九条")
