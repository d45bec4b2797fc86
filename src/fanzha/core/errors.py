"""One error hierarchy: a stable code, an HTTP status, a message in Chinese and English."""

from __future__ import annotations

from typing import Any, ClassVar


class FanzhaError(Exception):
    """Base of every error the platform reports to a caller."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    message_zh: ClassVar[str] = "内部错误"
    message_en: ClassVar[str] = "Internal error"

    def __init__(
        self,
        message_zh: str | None = None,
        message_en: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        self.message_zh = message_zh or type(self).message_zh  # type: ignore[misc]
        self.message_en = message_en or type(self).message_en  # type: ignore[misc]
        self.field = field
        # Every problem when there were several (a form with three bad fields): field and both messages.
        self.problems: list[dict[str, str | None]] = []
        # (action, object type, object id) of a refusal to audit once the transaction is over.
        self.denial: tuple[str, str, str] | None = None
        if code:
            self.code = code  # type: ignore[misc]
        super().__init__(f"{self.code}: {self.message_en}" + (f" ({field})" if field else ""))

    def to_dict(self) -> dict[str, Any]:
        """The JSON body every error response carries."""
        return {
            "code": self.code,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "field": self.field,
        }

    def problem(self, status: int) -> dict[str, Any]:
        """RFC 9457 problem details, with the bilingual fields as extension members."""
        body: dict[str, Any] = {
            "type": f"urn:fanzha:error:{self.code}",
            "title": self.message_en,
            "status": status,
            "detail": self.message_zh,
            **self.to_dict(),
        }
        if self.problems:
            body["errors"] = self.problems
        return body


class ValidationFailed(FanzhaError):
    """Input that is malformed; nothing was changed."""

    code = "validation_failed"
    status = 422
    message_zh = "输入有误"
    message_en = "Invalid input"


class NotAuthenticated(FanzhaError):
    """No valid session or API key."""

    code = "not_authenticated"
    status = 401
    message_zh = "请先登录"
    message_en = "Authentication required"


class PermissionDenied(FanzhaError):
    """Authenticated, but this role or organisation may not do this."""

    code = "permission_denied"
    status = 403
    message_zh = "无权执行此操作"
    message_en = "Permission denied"


class NotFound(FanzhaError):
    """The object does not exist, or is not visible to the caller."""

    code = "not_found"
    status = 404
    message_zh = "对象不存在"
    message_en = "Not found"


class Conflict(FanzhaError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    code = "conflict"
    status = 409
    message_zh = "与现有数据冲突"
    message_en = "Conflict with existing data"


class AccountLocked(FanzhaError):
    """Too many failed log-ins; the account is locked for a while."""

    code = "account_locked"
    status = 423
    message_zh = "账户已锁定，请稍后再试或联系安全管理员"
    message_en = "Account locked; try later or contact the security administrator"


class RateLimited(FanzhaError):
    """Too many calls; `retry_after` seconds until the next one is accepted (sent as Retry-After)."""

    code = "rate_limited"
    status = 429
    message_zh = "请求过于频繁，请稍后再试"
    message_en = "Too many requests; try again later"

    def __init__(self, retry_after: int, field: str) -> None:
        super().__init__(field=field)
        self.retry_after = retry_after


class InsecureSettings(FanzhaError):
    """Refusal to start outside development with default or missing secrets."""

    code = "insecure_settings"
    status = 500
    message_zh = "生产环境不得使用默认密钥"
    message_en = "Default secrets are not allowed outside development"


class PayloadTooLarge(FanzhaError):
    """A request body over the route's limit; refused before it is read (sent as 413)."""

    code = "payload_too_large"
    status = 413

    def __init__(self, limit: int) -> None:
        size = f"{limit / 1024 / 1024:g} MiB" if limit >= 1024 * 1024 else f"{limit} B"
        super().__init__(
            f"请求内容过大：此接口至多接受 {size}",
            f"Request body too large: this endpoint accepts at most {size}",
            field="body",
        )
        self.limit = limit


class ServiceUnavailable(FanzhaError):
    """A dependency (the database, the event stream) cannot be reached; retry after `retry_after` seconds."""

    code = "service_unavailable"
    status = 503
    message_zh = "服务暂时不可用，请稍后重试"
    message_en = "Service temporarily unavailable; try again later"

    def __init__(self, retry_after: int = 5, field: str | None = None) -> None:
        super().__init__(field=field)
        self.retry_after = retry_after
