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
    "audit.more": ("更早的记录", "Older records"),
    "common.save": ("保存", "Save"),
    "common.cancel": ("取消", "Cancel"),
    "common.none": ("暂无数据", "Nothing yet"),
    "common.actions": ("操作", "Actions"),
    "common.select": ("请选择", "Choose"),
    "error.title": ("出错了", "Something went wrong"),
    "error.back": ("返回首页", "Back to home"),
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
