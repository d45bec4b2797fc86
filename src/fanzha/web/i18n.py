"""Console text in Simplified Chinese first, English available."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

LANGUAGES = ("zh", "en")
LANG_COOKIE = "fanzha_lang"

# key: (Chinese, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    "app.name": ("湖南反诈协同平台", "Hunan Anti-Fraud Platform"),
    "app.short": ("反诈", "Fanzha"),
    "nav.home": ("首页", "Home"),
    "nav.organisations": ("单位管理", "Organisations"),
    "nav.users": ("用户管理", "Users"),
    "nav.api_keys": ("API 密钥", "API keys"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.logout": ("退出登录", "Log out"),
    "nav.language": ("English", "中文"),
    "login.title": ("登录", "Log in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.notice": (
        "本系统仅限授权人员使用，所有操作均被审计。",
        "Authorised users only; every action is audited.",
    ),
    "home.welcome": ("欢迎", "Welcome"),
    "home.role": ("角色", "Role"),
    "home.org": ("所属单位", "Organisation"),
    "home.tasks": ("我的工作", "My work"),
    "home.stats": ("平台概况", "Platform at a glance"),
    "home.org_count": ("单位数", "Organisations"),
    "home.user_count": ("用户数", "Users"),
    "home.audit_count": ("审计记录", "Audit records"),
    "home.last_login": ("上次登录", "Last log-in"),
    "org.code": ("编码", "Code"),
    "org.name": ("名称", "Name"),
    "org.name_en": ("英文名称", "English name"),
    "org.kind": ("类型", "Kind"),
    "org.region": ("行政区划", "Region code"),
    "org.parent": ("上级单位", "Parent"),
    "org.create": ("新增单位", "New organisation"),
    "user.username": ("用户名", "Username"),
    "user.display_name": ("姓名", "Name"),
    "user.role": ("角色", "Role"),
    "user.status": ("状态", "Status"),
    "user.active": ("正常", "Active"),
    "user.inactive": ("已停用", "Disabled"),
    "user.locked": ("已锁定", "Locked"),
    "user.create": ("新增用户", "New user"),
    "user.password_once": (
        "初始密码（仅显示一次，请妥善转交）",
        "Initial password (shown once; hand it over securely)",
    ),
    "user.unlock": ("解锁", "Unlock"),
    "user.disable": ("停用", "Disable"),
    "user.enable": ("启用", "Enable"),
    "user.reset": ("重置密码", "Reset password"),
    "key.name": ("名称", "Name"),
    "key.prefix": ("前缀", "Prefix"),
    "key.expires": ("到期时间", "Expires"),
    "key.last_used": ("最近使用", "Last used"),
    "key.revoked": ("已吊销", "Revoked"),
    "key.revoke": ("吊销", "Revoke"),
    "key.create": ("新建密钥", "New key"),
    "key.days": ("有效天数", "Valid for (days)"),
    "key.secret_once": (
        "密钥仅显示这一次，请立即保存到机构系统中",
        "The key is shown only this once; store it in your system now",
    ),
    "audit.verify": ("校验哈希链", "Verify hash chain"),
    "audit.intact": ("哈希链完整", "Hash chain intact"),
    "audit.broken": ("哈希链被破坏", "Hash chain broken"),
    "audit.at": ("时间", "Time"),
    "audit.actor": ("操作人", "Actor"),
    "audit.action": ("操作", "Action"),
    "audit.object": ("对象", "Object"),
    "audit.result": ("结果", "Result"),
    "audit.ip": ("来源地址", "Source address"),
    "audit.filter": ("筛选", "Filter"),
    "change.published": ("发布生效", "published"),
    "change.updated": ("合并更新", "updated"),
    "change.merged": ("合并报送", "merged"),
    "change.reported": ("机构报送", "reported"),
    "change.rejected": ("驳回", "rejected"),
    "change.revoked": ("撤销", "revoked"),
    "change.expired": ("到期", "expired"),
    "sighting.hit": ("命中", "hit"),
    "sighting.false_positive": ("误报", "false positive"),
    "result.success": ("成功", "success"),
    "result.denied": ("拒绝", "denied"),
    "result.failed": ("失败", "failed"),
    "audit.more": ("更早的记录", "Older records"),
    "nav.samples": ("涉诈样本", "Fraud samples"),
    "samples.search": ("样本查询", "Search"),
    "samples.publish": ("发布样本", "Publish"),
    "samples.queue": ("待确认", "Awaiting confirmation"),
    "samples.subscriptions": ("订阅与推送", "Subscriptions"),
    "samples.stats": ("统计", "Statistics"),
    "samples.kind": ("类型", "Kind"),
    "samples.value": ("标识", "Identifier"),
    "samples.value_hint": ("输入号码、卡号、网址等（按令牌匹配）", "Number, card, URL… (matched by token)"),
    "samples.fraud_type": ("诈骗类型", "Fraud type"),
    "samples.risk": ("风险", "Risk"),
    "samples.status": ("状态", "Status"),
    "samples.first_seen": ("首次发现", "First seen"),
    "samples.last_seen": ("最近发现", "Last seen"),
    "samples.expires": ("到期", "Expires"),
    "samples.confidence": ("置信度", "Confidence"),
    "samples.case_ref": ("案件编号", "Case reference"),
    "samples.evidence": ("证据说明", "Evidence"),
    "samples.import": ("批量导入", "Bulk import"),
    "samples.file": ("CSV 或 JSON lines 文件", "CSV or JSON lines file"),
    "samples.import_hint": (
        "列：kind、value、fraud_type、confidence、evidence、case_ref、region_code；任一行有误则全部不导入。",
        "Columns: kind, value, fraud_type, confidence, evidence, case_ref, region_code; "
        "one bad row imports nothing.",
    ),
    "samples.import_failed": ("有错误，未导入任何数据", "Errors found; nothing was imported"),
    "samples.line": ("行号", "Line"),
    "samples.field": ("字段", "Field"),
    "samples.problem": ("问题", "Problem"),
    "samples.sample": ("样本", "Sample"),
    "samples.token": ("令牌", "Token"),
    "samples.reveal": ("查看原始值（留痕）", "Reveal raw value (audited)"),
    "samples.sightings": ("命中 / 误报", "Hits / false positives"),
    "samples.sources": ("来源", "Sources"),
    "samples.measures": ("在执行的处置措施", "Measures in force"),
    "samples.history": ("变更记录", "History"),
    "samples.note": ("备注", "Note"),
    "samples.detail": ("详情", "Detail"),
    "samples.reason": ("理由", "Reason"),
    "samples.confirm": ("确认生效", "Confirm"),
    "samples.reject": ("驳回", "Reject"),
    "samples.revoke": ("撤销", "Revoke"),
    "samples.region_prefix": ("行政区划前缀", "Region prefix"),
    "samples.webhook": ("回调地址（Webhook）", "Webhook URL"),
    "samples.subscribe": ("订阅", "Subscribe"),
    "samples.secret_once": ("签名密钥仅显示这一次", "The signing secret is shown only this once"),
    "samples.delivered": ("已投递", "Delivered"),
    "samples.lag": ("积压", "Lag"),
    "samples.failures": ("失败", "Failures"),
    "samples.dead_letters": ("死信", "Dead letters"),
    "samples.last_delivery": ("最近投递", "Last delivery"),
    "samples.by_kind": ("按类型", "By kind"),
    "samples.by_type": ("按诈骗类型", "By fraud type"),
    "samples.by_city": ("按地市（区划前四位）", "By city (region prefix)"),
    "samples.by_month": ("按月份", "By month"),
    "samples.by_status": ("按状态", "By status"),
    "common.save": ("保存", "Save"),
    "common.cancel": ("取消", "Cancel"),
    "common.none": ("暂无数据", "Nothing yet"),
    "common.actions": ("操作", "Actions"),
    "common.select": ("请选择", "Choose"),
    "error.title": ("出错了", "Something went wrong"),
    "error.back": ("返回首页", "Back to home"),
    # Disposal and appeals (Art 28¶1, 34)
    "nav.disposal": ("处置指令", "Disposal orders"),
    "nav.appeals": ("申诉处理", "Appeals"),
    "disposal.board": ("处置指令看板", "Order board"),
    "disposal.view.all": ("全部", "All"),
    "disposal.view.new": ("新指令", "New"),
    "disposal.view.due_soon": ("即将到期", "Due soon"),
    "disposal.view.overdue": ("已超期", "Overdue"),
    "disposal.institution": ("接收单位", "Institution"),
    "disposal.object": ("处置对象", "Object"),
    "disposal.measure": ("处置措施", "Measure"),
    "disposal.article": ("法规依据", "Legal basis"),
    "disposal.reason": ("理由", "Reason"),
    "disposal.status": ("状态", "Status"),
    "disposal.due": ("期限", "Deadline"),
    "disposal.receipt": ("回执", "Receipt"),
    "disposal.send": ("提交", "Submit"),
    "disposal.filter": ("查询", "Search"),
    "disposal.passed": ("核验通过", "Passed"),
    "disposal.failed": ("核验未通过", "Failed"),
    "appeals.portal": ("涉诈处置申诉", "Appeal a fraud-prevention measure"),
    "appeals.portal_help": (
        "凭处置通知中的申诉码提出申诉，说明事实和理由，并列出可提交的材料。",
        "Appeal with the code from your notice; state the facts and reasons and list your documents.",
    ),
    "appeals.code": ("申诉码", "Appeal code"),
    "appeals.facts": ("事实", "Facts"),
    "appeals.reasons": ("理由", "Reasons"),
    "appeals.documents": ("证明材料（每行一项）", "Documents (one per line)"),
    "appeals.submit": ("提交申诉", "Submit appeal"),
    "appeals.received": ("申诉已受理，申诉编号：", "Appeal received; its number:"),
    "appeals.follow": ("查询申诉进度", "Follow an appeal"),
    "appeals.number": ("申诉编号", "Appeal number"),
    "appeals.decision": ("处理结果", "Decision"),
    "appeals.uphold": ("申诉成立", "Uphold"),
    "appeals.reject": ("申诉不成立", "Reject"),
}


def language_of(request: Request) -> str:
    """The language asked for by `?lang=`, then the cookie, else Chinese."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGUAGES else "zh"


def translator(lang: str) -> Callable[[str], str]:
    """A `_()` function for templates in `lang`."""
    index = 1 if lang == "en" else 0

    def _(key: str) -> str:
        entry = CATALOGUE.get(key)
        return entry[index] if entry else key

    return _


def pick(pair: tuple[str, str], lang: str) -> str:
    """Choose the Chinese or English half of a label pair."""
    return pair[1] if lang == "en" else pair[0]
