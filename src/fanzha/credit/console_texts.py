"""Console texts of the serious-dishonesty list (Art 29, 37), Chinese first."""

from __future__ import annotations

from fanzha.credit.domain import GROUND_LABELS, STATUS_LABELS, CreditMeasure

TEXTS: dict[str, tuple[str, str]] = {
    "credit.title": ("严重失信主体名单（联合惩戒）", "Serious-dishonesty list (joint punishment)"),
    "credit.queue": ("待审批的认定", "Listings awaiting approval"),
    "credit.list": ("名单", "The list"),
    "credit.filter": ("筛选", "Filter"),
    "credit.all": ("全部", "All"),
    "credit.more": ("下一页", "Next page"),
    "credit.number": ("编号", "Number"),
    "credit.subject": ("惩戒对象", "Subject"),
    "credit.ground": ("认定情形", "Ground"),
    "credit.status": ("状态", "Status"),
    "credit.ends": ("惩戒至", "Until"),
    "credit.starts": ("起始", "From"),
    "credit.basis": ("认定事实", "Facts"),
    "credit.evidence": ("证据", "Evidence"),
    "credit.facts": ("张数 / 次数 / 对象数", "Items / times / counterparties"),
    "credit.proposed_by": ("提出人", "Proposed by"),
    "credit.approved_by": ("批准人", "Approved by"),
    "credit.decision_reason": ("审批意见", "Decision reason"),
    "credit.lift_reason": ("解除原因", "Why lifted"),
    "credit.approve": ("批准", "Approve"),
    "credit.refuse": ("不予批准", "Refuse"),
    "credit.reason": ("理由", "Reason"),
    "credit.measures": ("惩戒措施及机构回执", "Measures and the institutions' receipts"),
    "credit.role": ("类别", "Type"),
    "credit.role.measure": ("惩戒措施", "Measure"),
    "credit.role.release": ("解除", "Release"),
    "credit.institution": ("机构", "Institution"),
    "credit.measure": ("措施", "Measure"),
    "credit.article": ("依据", "Article"),
    "credit.order_status": ("回执状态", "Receipt status"),
    "credit.due": ("办理时限", "Due"),
    "credit.history": ("办理记录", "History"),
    "credit.notice_pdf": ("下载联合惩戒告知书（PDF）", "Download the written notice (PDF)"),
    "credit.basis_text": (
        "依据：《湖南省实施〈反电信网络诈骗法〉若干规定》第二十九条；反电信网络诈骗法第三十一条第二款；"
        "《电信网络诈骗及其关联违法犯罪联合惩戒办法》第三条",
        "Basis: Hunan provisions Art 29; Anti-Fraud Law Art 31¶2; Joint Punishment Measures Art 3",
    ),
    **{f"credit.ground.{g}": label for g, label in GROUND_LABELS.items()},
    **{f"credit.status.{s}": label for s, label in STATUS_LABELS.items()},
    "credit.measure.release": ("解除惩戒措施", "Lift the measure"),
    **{
        f"credit.measure.{m}": label
        for m, label in {
            CreditMeasure.BANK: ("限制非柜面出金", "Restrict non-counter outflows"),
            CreditMeasure.PAYMENT: ("停止支付账户业务", "Stop payment-account business"),
            CreditMeasure.TELECOM: ("限制电话卡（保留基本通信卡）", "Restrict cards, keep a basic line"),
            CreditMeasure.INTERNET: ("限制互联网账号风险功能", "Restrict risky account functions"),
        }.items()
    },
    "nav.credit": ("联合惩戒", "Joint punishment"),
}
