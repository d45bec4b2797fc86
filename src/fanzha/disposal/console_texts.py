"""Console texts of bulk work: receipts by CSV, holdings, orders from alerts (issue 20 item 5)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "bulk.receipts": ("批量回执", "Bulk receipts"),
    "bulk.receipts_title": ("批量回执（CSV 上传）", "Receipts in bulk (CSV upload)"),
    "bulk.receipts_help": (
        "每行一条回执：order_id（指令编号）、status（acknowledged 已签收、executed 已执行、object_not_found "
        "对象不存在、refused 拒绝执行）、verification（核验指令填 passed 或 failed）、reason（拒绝时必填）、"
        "notice_delivered（已送达告知书填 true）。先预览每行的处理结果，确认后才提交。",
        "One receipt per line: order_id, status (acknowledged, executed, object_not_found, refused), "
        "verification (passed or failed, for re-verification orders), reason (required with refused), "
        "notice_delivered (true once the notice is delivered). Each line is previewed; nothing is sent "
        "until you confirm.",
    ),
    "bulk.holdings": ("持有关系登记", "Holdings register"),
    "bulk.holdings_title": ("持有关系登记（CSV 上传）", "Holdings register (CSV upload)"),
    "bulk.holdings_help": (
        "登记本单位所服务对象的实名持有人（第十八条、第二十条第二款），供联动处置和告知书使用。列：kind（对象类型）、"
        "value（号码或账号）、holder_id（持有人身份证号）、holder_phone（可选，预留手机号）。身份证号只保存加密摘要。"
        "先预览每行的检查结果，确认后才写入；页面不回显号码。",
        "Declare the real-name holders of the objects your institution serves (Art 18, 20¶2), used by "
        "linked disposal and notices. Columns: kind, value, holder_id (resident ID number), holder_phone "
        "(optional). ID numbers are kept as keyed digests only. Each line is checked first; nothing is "
        "written until you confirm, and no number is shown back.",
    ),
    "bulk.file_csv": ("CSV 文件（UTF-8）", "CSV file (UTF-8)"),
    "bulk.preview": ("上传并预览", "Upload and preview"),
    "bulk.will": ("预览（尚未提交）", "Preview (nothing sent yet)"),
    "bulk.done": ("已提交", "Submitted"),
    "bulk.accepted": ("可受理", "Accepted"),
    "bulk.refused": ("被拒绝", "Refused"),
    "bulk.line": ("行号", "Line"),
    "bulk.outcome": ("结果", "Outcome"),
    "bulk.ok_will": ("将会受理", "Will be accepted"),
    "bulk.ok_done": ("已受理", "Accepted"),
    "bulk.ok_issued": ("已下发", "Issued"),
    "bulk.confirm_receipts": ("确认提交回执", "Confirm the receipts"),
    "bulk.confirm_holdings": ("确认登记", "Confirm the declarations"),
    "bulk.confirm_orders": ("确认下发指令", "Confirm and issue the orders"),
    "bulk.cancel": ("取消", "Cancel"),
    "bulk.again": ("重新上传", "Upload another file"),
    "bulk.created": ("新增", "Created"),
    "bulk.updated": ("更新", "Updated"),
    "bulk.unchanged": ("未变", "Unchanged"),
    "bulk.select": ("选择", "Select"),
    "bulk.alert": ("告警", "Alert"),
    "bulk.measure_for_selected": ("对勾选的告警下发", "For the ticked alerts, order"),
    "bulk.preview_orders": ("预览处置指令", "Preview the orders"),
    "bulk.alert_orders_help": (
        "按告警的风险等级确定核验期限（第十三条）；预览列出每条告警将发往的机构，确认后才下发。",
        "The alert's risk level sets the re-verification deadline (Art 13); the preview lists where each "
        "alert's order would go, and nothing is issued until you confirm.",
    ),
    "bulk.alert_orders_title": ("按告警批量下发处置指令", "Orders from alerts in bulk"),
    "bulk.back_to_run": ("返回检测任务", "Back to the run"),
}
