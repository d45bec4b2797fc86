"""Genuine anti-fraud notices use the scammers' words on purpose: the shipped model must never flag them."""

from __future__ import annotations

import pytest

from fanzha.detect.text.features import normalise
from fanzha.detect.text.model import shipped
from fanzha.sim.reference import BANKS
from fanzha.sim.texts import build_text_pool

# Written apart from the simulator's templates, in the style of real 96110 / 12381 / bank notices.
NOTICES = (
    "【国家反诈中心】凡是自称公检法要求转账到安全账户的都是诈骗，请勿相信，如有疑问拨打96110。",
    "【12381】预警：您可能正在遭遇冒充客服退款诈骗，请勿提供验证码，请勿下载陌生会议软件。",
    "【96110】反诈专线提醒：刷单就是诈骗，先垫付后返利的兼职都是骗局，请立即停止转账。",
    "【建设银行】风险提示：本行不会以任何理由要求您将资金转入他人账户或“安全账户”，谨防诈骗。",
    "【长沙市公安局反诈中心】征信不能修复，网上“注销校园贷”“消除不良记录”都是诈骗。",
    "【湖南省反诈中心】陌生人推荐的投资理财平台、荐股老师带您赚钱的，都是诈骗！",
    "【工信部】提醒您：不要点击短信中的陌生链接，不要向任何人透露短信验证码。",
    "【國家反詐中心】凡是要求轉賬到安全賬戶的都是詐騙，請撥打96110諮詢。",
    "⚠️【96110】网络游戏账号交易请走官方平台，私下交易、交解冻金的都是诈骗⚠️",
)


def test_written_notices_are_never_flagged() -> None:
    verdicts = shipped().classify(list(NOTICES))
    flagged = [(t, v.label, v.probability) for t, v in zip(NOTICES, verdicts, strict=True) if v.fraud]
    assert not flagged, flagged


@pytest.mark.parametrize("seed", [0, 5, 101])
def test_the_simulators_warnings_are_never_flagged(seed: int) -> None:
    pool = build_text_pool(seed)
    ranges = [("police_warning", pool.start["police_warning"], pool.size["police_warning"])]
    ranges += [(f"bank_warning:{b[0]}", pool.start[f"bank_warning:{b[0]}"], 8) for b in BANKS]
    texts = [str(pool.texts[i]) for _, start, size in ranges for i in range(start, start + size)]
    flagged = [t for t, v in zip(texts, shipped().classify(texts), strict=True) if v.fraud]
    assert not flagged, flagged


def test_normalise_undoes_filter_evasion() -> None:
    # full width, a Cyrillic "а", emoji, spaced digits, a split word and traditional characters
    assert normalise("🔥ＶＸ转1 2 3元，刷*单返利，下载аpp，轉賬") == normalise(
        "vx转123元,刷单返利,下载app,转账"
    )
