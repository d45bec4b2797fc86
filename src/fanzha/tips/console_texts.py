"""Console texts of tips and rewards (Art 30-32, 38), Chinese first."""

from __future__ import annotations

from fanzha.tips.domain import (
    FORM_FIELDS,
    FORM_LABELS,
    KIND_LABELS,
    OUTCOME_LABELS,
    REWARD_LABELS,
    STATUS_LABELS,
    TipVerdict,
)

TEXTS: dict[str, tuple[str, str]] = {
    "nav.tips": ("举报线索", "Tips"),
    "tips.title": ("举报线索", "Tips"),
    "tips.basis_text": (
        "依据：《湖南省实施〈反电信网络诈骗法〉若干规定》第三十条至第三十二条、第三十八条；"
        "接到举报依法及时调查处理，对举报人信息予以保密",
        "Basis: Hunan provisions Art 30-32, 38: tips are investigated promptly and the reporter kept secret",
    ),
    "tips.portal": ("我要举报", "Report fraud"),
    "tips.portal_help": (
        "可以匿名举报。实名举报的姓名和联系方式加密保存，只有承办民警可以查看（第三十八条第一款）。"
        "提交后会得到一个回执码，凭回执码查询进展、回答民警提问、领取奖励。",
        "You may report anonymously. A name and contact are encrypted and only the handling officer can "
        "read them (Art 38¶1). A receipt code lets you follow it, answer questions, claim a reward.",
    ),
    "tips.choose_form": ("报告人类别", "Who is reporting"),
    "tips.kind": ("举报类别", "What you report"),
    "tips.text": ("举报内容", "What happened"),
    "tips.value": ("号码、链接、应用或账号", "Number, link, app or account"),
    "tips.value_help": (
        "社交、支付账号写成「平台:账号」，如 wechat:abc123、alipay:2088001",
        "Accounts as platform:id, e.g. wechat:abc123, alipay:2088001",
    ),
    "tips.place": ("地点", "Where"),
    "tips.region": ("行政区划代码（选填）", "Region code (optional)"),
    "tips.when": ("发生时间（选填）", "When (optional)"),
    "tips.files": (
        "图片、录音或 PDF（最多 5 个，每个不超过 5 MB）",
        "Images, recordings or PDF (5 files, 5 MB each)",
    ),
    "tips.named": ("实名举报（选填，加密保存）", "Give your name (optional, encrypted)"),
    "tips.name": ("姓名", "Name"),
    "tips.phone": ("电话", "Phone"),
    "tips.contact": ("其他联系方式", "Other contact"),
    "tips.submit": ("提交举报", "Send the tip"),
    "tips.received": (
        "举报已受理。请保存回执码（只显示这一次）：",
        "Received. Keep your receipt code (shown only once):",
    ),
    "tips.follow": ("查询举报进展", "Follow a tip"),
    "tips.receipt_code": ("回执码", "Receipt code"),
    "tips.look": ("查询", "Look up"),
    "tips.number": ("编号", "Number"),
    "tips.status": ("状态", "Status"),
    "tips.outcome": ("处理结果", "TipOutcome"),
    "tips.messages": ("民警提问与回复", "Questions and answers"),
    "tips.author.officer": ("承办民警", "Officer"),
    "tips.author.reporter": ("举报人", "Reporter"),
    "tips.answer": ("回复", "Answer"),
    "tips.send": ("发送", "Send"),
    "tips.reward": ("奖励", "Reward"),
    "tips.amount": ("金额（元）", "Amount (yuan)"),
    "tips.claim": ("领取奖励", "Claim the reward"),
    "tips.payee_name": ("领奖人姓名", "Payee's name"),
    "tips.payee_account": ("收款银行账户或支付账户", "Account to pay into"),
    "tips.rewards_page": ("举报奖励标准", "Reward standard"),
    "tips.rewards_help": (
        "依据第三十八条第二款，公安机关会同财政部门公布奖励标准和举报方式，对查证属实的举报给予奖励。",
        "Art 38¶2: the police and the finance department publish the reward standard and the ways to "
        "report; verified tips are rewarded.",
    ),
    "tips.tier": ("举报查证后的结果", "What the verified tip led to"),
    "tips.range": ("奖励金额（元）", "Reward (yuan)"),
    "tips.ways": ("举报方式", "Ways to report"),
    "tips.queue": ("本单位举报线索", "Tips of this unit"),
    "tips.all": ("全部", "All"),
    "tips.filter": ("筛选", "Filter"),
    "tips.received_at": ("受理时间", "Received"),
    "tips.unit": ("承办单位", "Handling unit"),
    "tips.officer": ("承办民警", "Handling officer"),
    "tips.identifier": ("涉及对象", "Object"),
    "tips.form": ("表单", "Form"),
    "tips.details": ("表单内容", "Form answers"),
    "tips.route_reason": ("分派依据", "Routed because"),
    "tips.repeats": ("指向同一对象的其他举报", "Other tips about the same object"),
    "tips.known_sample": ("样本库已有该对象", "The object is a known sample"),
    "tips.anonymous": ("匿名", "Anonymous"),
    "tips.named_short": ("实名（已加密）", "Named (sealed)"),
    "tips.take": ("承办", "Take"),
    "tips.open_reporter": ("查看举报人信息（将记入审计日志）", "Open the reporter (audited)"),
    "tips.reporter": ("举报人信息", "Reporter"),
    "tips.payee": ("领奖人", "Payee"),
    "tips.ask": ("向举报人提问", "Ask the reporter"),
    "tips.verdict": ("核查结论", "TipVerdict"),
    "tips.reason": ("理由", "Reason"),
    "tips.fraud_type": ("诈骗类型", "Fraud type"),
    "tips.reference": ("参考编号（选填）", "Reference (optional)"),
    "tips.person_id_number": (
        "被劝阻人身份证号（转预警时必填）",
        "ID number of the person at risk (for a warning)",
    ),
    "tips.person_phone": ("被劝阻人联系电话（选填）", "Phone of the person at risk (optional)"),
    "tips.case": ("已建案件（待确认）", "Case draft (awaiting confirmation)"),
    "tips.warning": ("已建预警", "Warning created"),
    "tips.decide_reward": ("拟定奖励", "Propose a reward"),
    "tips.approve": ("批准", "Approve"),
    "tips.refuse": ("不予批准", "Refuse"),
    "tips.pay": ("登记发放（付款凭证号）", "Record payment (reference)"),
    "tips.files_list": ("举报材料", "Files"),
    "tips.history": ("办理记录", "History"),
    "tips.save": ("提交", "Submit"),
    "tips.commendations": ("表彰奖励", "Commendations"),
    "tips.commend": ("登记表彰", "Record a commendation"),
    "tips.subject.unit": ("单位", "Unit"),
    "tips.subject.person": ("个人", "Person"),
    **{
        f"tips.event.{k}": v
        for k, v in {
            "received": ("受理", "Received"),
            "repeat": ("发现重复举报", "Repeat found"),
            "known_sample": ("样本库已有该对象", "Known sample"),
            "taken": ("承办", "Taken"),
            "routed": ("移交", "Routed"),
            "asked": ("向举报人提问", "Asked the reporter"),
            "answered": ("举报人回复", "Reporter answered"),
            "reporter_opened": ("查看举报人信息", "Reporter opened"),
            "verified": ("查证属实", "Verified"),
            "unfounded": ("未查证属实", "Not verified"),
            "duplicate": ("重复举报", "Duplicate"),
            "reward_decided": ("拟定奖励", "Reward proposed"),
            "reward_approved": ("奖励获批", "Reward approved"),
            "reward_refused": ("奖励未获批准", "Reward refused"),
            "reward_claimed": ("举报人申领奖励", "Reward claimed"),
            "reward_paid": ("奖励已发放", "Reward paid"),
        }.items()
    },
    **{f"tips.kind.{k}": v for k, v in KIND_LABELS.items()},
    **{f"tips.form.{k}": v for k, v in FORM_LABELS.items()},
    **{f"tips.status.{k}": v for k, v in STATUS_LABELS.items()},
    **{f"tips.outcome.{k}": v for k, v in OUTCOME_LABELS.items()},
    **{f"tips.reward.{k}": v for k, v in REWARD_LABELS.items()},
    **{
        f"tips.verdict.{k}": v
        for k, v in {
            TipVerdict.VERIFIED: ("查证属实", "Verified"),
            TipVerdict.UNFOUNDED: ("未查证属实", "Not verified"),
            TipVerdict.DUPLICATE: ("重复举报", "Duplicate"),
        }.items()
    },
    **{f"tips.field.{f}.{s.name}": (s.zh, s.en) for f, specs in FORM_FIELDS.items() for s in specs},
    **{
        f"tips.choice.{f}.{s.name}.{value}": (zh, en)
        for f, specs in FORM_FIELDS.items()
        for s in specs
        for value, zh, en in s.choices
    },
}
