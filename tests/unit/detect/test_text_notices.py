"""Genuine anti-fraud notices use the scammers' words on purpose: the shipped model must never flag them."""

from __future__ import annotations

import numpy as np
import pytest

from fanzha.detect.text.features import normalise
from fanzha.detect.text.model import shipped
from fanzha.sim.grammar import own_fields
from fanzha.sim.grammar_wide import wide_normal
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
    "【征信中心】个人信用报告每年可免费查询两次，不存在付费“征信修复”，要求清空网贷额度的是诈骗。",
    "【反诈宣传】网恋对象带你投资、说平台有漏洞能稳赚的，百分之百是杀猪盘，请拨打96110。",
    "【国家反诈中心】冒充领导、熟人加你好友要求转账的，务必电话或当面核实，谨防上当。",
    "【12381】您好，近期“快递丢失理赔”“误开百万保障”诈骗高发，官方客服不会让您开启屏幕共享。",
)
# Genuine look-alikes that use the scripts' words without asking for anything unsafe.
LOOKALIKES = (
    "【工商银行】验证码628193，您正在进行网银转账，5分钟内有效，切勿告知他人，银行工作人员不会索要。",
    "【顺丰速运】您的快件已到达长沙岳麓驿站，取件码6-2-1-8，请凭码领取。",
    "【友阿百货】周年庆全场满300减50，会员积分翻倍，退订回T",
    "【58同城】步步高超市招理货员，月薪4500元起，包吃住，入职不收取任何费用，地址长沙市开福区。",
    "【建设银行】个人消费贷年利率3.2%起，请通过手机银行申请，本行不会收取放款前任何费用。",
    "【网易游戏】账号交易请通过官方藏宝阁进行，任何私下收号、要求交保证金的都是诈骗。",
    "妈，这个月房租我已经转给你了，记得查收一下哈",
    "我刚接到个自称客服的电话让我下载会议软件，肯定是骗子，你们也小心点",
)


def test_written_notices_are_never_flagged() -> None:
    verdicts = shipped().classify(list(NOTICES))
    flagged = [(t, v.label, v.probability) for t, v in zip(NOTICES, verdicts, strict=True) if v.fraud]
    assert not flagged, flagged


def test_genuine_lookalikes_are_not_flagged() -> None:
    verdicts = shipped().classify(list(LOOKALIKES))
    flagged = [(t, v.label, v.probability) for t, v in zip(LOOKALIKES, verdicts, strict=True) if v.fraud]
    assert not flagged, flagged


@pytest.mark.parametrize("seed", [3, 77])
def test_the_wide_grammars_warnings_are_never_flagged(seed: int) -> None:
    rng = np.random.default_rng(seed)
    texts = [own_fields(wide_normal(rng, "warning"), rng) for _ in range(400)]
    flagged = [t for t, v in zip(texts, shipped().classify(texts), strict=True) if v.fraud]
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
