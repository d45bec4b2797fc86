"""Console texts added with the money graph, the action forms and the charts (issue 22 item 9)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "funds.graph": ("资金流向图", "Money graph"),
    "funds.graph_help": (
        "左为被害人，其后为各层止付账户及其回执报告的转出账户；线上为被害人资金（元）。",
        "Victims on the left, then each stop-payment's account by hop and the accounts its receipt "
        "reported the money moved to; amounts are the victims' money (yuan).",
    ),
    "funds.actions": ("办理", "Act"),
    "funds.extend": ("延长止付", "Extend"),
    "funds.renew": ("申请续冻", "Request renewal"),
    "funds.renew_help": (
        "续冻须在冻结期限届满前提出，每次不超过六个月，须经县级以上公安机关负责人批准（第十九条第一款）；"
        "未续冻的冻结到期自动解除。",
        "A renewal is requested before the freeze ends, at most six months each, approved by the head of "
        "a county-level or higher unit (Art 19¶1); a freeze not renewed lapses at its end.",
    ),
    "funds.renewals_pending": ("待审批的续冻", "Renewals awaiting approval"),
    "funds.renewal_months": ("续冻期限（月）", "Renewal (months)"),
    "funds.freeze_ends": ("冻结届满", "Freeze ends"),
    "funds.verify": ("核查结论", "Verification"),
    "funds.verdict.continue": ("继续止付/冻结", "Continue"),
    "funds.verdict.release": ("解除", "Release"),
    "funds.verdict.return": ("返还", "Return"),
    "funds.found_at": ("查明时间", "Found at"),
    "funds.publish_notice": ("发布返还公告（30日）", "Publish the 30-day notice"),
    "funds.order_return": ("返还", "Return"),
    "funds.method.single": ("单笔存入：返还该被害人", "One deposit: to that victim"),
    "funds.method.by_time": ("按时间可区分：各自返还", "Traceable by time: each their own"),
    "funds.method.pro_rata": ("按损失比例（公告期满后）", "Pro rata by loss (after the notice)"),
    "funds.officer1": ("经办民警一", "First officer"),
    "funds.officer2": ("经办民警二", "Second officer"),
    "funds.freeze_request": ("申请冻结", "Request a freeze"),
    "funds.freeze_help": (
        "冻结金额不得超过追溯到该账户的涉案金额，须经县级以上公安机关负责人批准（第十九条）。",
        "Never above the case's money traced to the account; approved by the head of a county-level "
        "or higher unit (Art 19).",
    ),
    "funds.account_number": ("账号", "Account number"),
    "funds.kind_bank_card": ("银行卡", "Bank card"),
    "funds.kind_payment_account": ("支付账户", "Payment account"),
    "funds.account_name": ("户名", "Account holder"),
    "funds.request": ("提交审批", "Submit for approval"),
    "funds.charts": ("止付、冻结与返还金额", "Amounts stopped, frozen and returned"),
    "funds.chart.by_city": ("按市州（元）", "By city (yuan)"),
    "funds.chart.by_month": ("按月份（元）", "By month (yuan)"),
    "funds.chart.stopped": ("止付", "Stopped"),
    "funds.chart.frozen": ("冻结", "Frozen"),
    "funds.chart.returned": ("返还", "Returned"),
    "funds.status.treasury": ("已上缴国库", "Paid to the treasury"),
    "funds.reports": ("被害人网上报案（待确认）", "Victims' own reports (to confirm)"),
    "funds.confirm": ("确认受理", "Confirm"),
    "funds.investigation_ended": ("侦查终结/终止时间", "Investigation ended at"),
    "funds.self_report": ("网上报案：被骗资金", "Report money lost to fraud"),
    "funds.report_help": (
        "先获取手机验证码，再填写被骗转账；公安机关确认后将依法紧急止付（第三十五条）。",
        "Get a code on your phone, then enter the transfers; the police act once they confirm (Art 35).",
    ),
    "funds.report_sent": ("报案已提交，编号", "Report received, number"),
    "funds.phone": ("手机号码", "Mobile number"),
    "funds.otp": ("验证码", "Code"),
    "funds.get_code": ("获取验证码", "Send me a code"),
    "funds.name": ("姓名", "Name"),
    "funds.leads": ("资金追踪线索（待决定）", "Trace leads (to decide)"),
    "funds.leads_help": (
        "按被害人已确认转账，在交易数据中逐跳追踪（先进先出），在资金仍留存的账户提出止付线索；"
        "线索金额不超过追踪到该账户的被害人资金，跳数不超过设定（第三十五条第二款）。采纳即依正常程序止付。",
        "The victims' confirmed transfers traced hop by hop (first in, first out) through the transactions; "
        "a lead is proposed where their money still is, never above the money traced there nor beyond "
        "the hops (Art 35¶2). Accepting it issues a stop-payment by the normal path.",
    ),
    "funds.trace_run": ("运行资金追踪", "Run the trace"),
    "funds.dataset": ("数据集", "Dataset"),
    "funds.dataset_org": ("上传机构编号（空：平台数据）", "Uploading institution id (empty: platform data)"),
    "funds.hops": ("跳数", "Hops"),
    "funds.accept": ("采纳并止付", "Accept: stop-payment"),
    "funds.lead_dismiss": ("驳回线索", "Dismiss"),
    "funds.lead.proposed": ("待决定", "Proposed"),
    "funds.lead.accepted": ("已采纳", "Accepted"),
    "funds.lead.dismissed": ("已驳回", "Dismissed"),
    "funds.lead.superseded": ("已被新追踪取代", "Superseded by a newer trace"),
    "funds.proposal": ("追踪线索", "Trace lead"),
}
