"""One typed settings class, read from `FANZHA_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fanzha.core.errors import InsecureSettings

# Development-only keys: known to everyone, so refused outside development.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
DEV_TOKEN_KEY = "00" * 32
DEV_ENCRYPTION_KEY = "11" * 16


class Settings(BaseSettings):
    """Everything the platform can be configured with; secrets never print."""

    model_config = SettingsConfigDict(env_prefix="FANZHA_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/fanzha.db"
    # The embedded database's durability: "normal" survives a killed process, "full" a power cut too.
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    nats_url: str | None = None
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Art 27: identifiers shared as keyed hashes (HMAC-SM3) and stored encrypted (SM4).
    token_key_hex: SecretStr = SecretStr(DEV_TOKEN_KEY)
    encryption_key_hex: SecretStr = SecretStr(DEV_ENCRYPTION_KEY)
    language: Literal["zh", "en"] = "zh"
    # Graded protection level 3 practice: lock-out and idle time-out.
    max_failed_logins: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=30, ge=1)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    api_key_default_days: int = Field(default=365, ge=1)
    cookie_secure: bool = False
    # The public risk check: checks per client per minute (and the pull feed's page size cap).
    public_check_per_minute: int = Field(default=10, ge=1)
    # ... and over every caller together, so many addresses cannot walk the sample library either.
    public_per_minute_overall: int = Field(default=600, ge=1)
    # Appeal submissions per address per hour (Art 34: one appeal per measure; a flood is abuse).
    appeals_per_hour_per_client: int = Field(default=20, ge=1)
    # Log-in attempts per address and per account per minute, before the lock-out counts failures.
    login_per_minute_per_client: int = Field(default=20, ge=1)
    login_per_minute_per_account: int = Field(default=10, ge=1)
    # Pull-feed reads (samples and orders) per address and per organisation per minute.
    feed_per_minute_per_client: int = Field(default=120, ge=1)
    feed_per_minute_per_org: int = Field(default=600, ge=1)
    # Art 13, 18¶3: hours allowed to re-verify, by the alert's risk level (e.g. '{"high": 1}' overrides one).
    reverify_hours: dict[str, int] = Field(default_factory=lambda: {"high": 2, "medium": 24, "low": 72})
    # Art 34¶2 立即进行核查: hours to verify an appeal before it escalates to the unit above.
    appeal_time_limit_hours: int = Field(default=24, ge=1, le=720)
    # Per-kind sample lifetime overrides in days, e.g. FANZHA_SAMPLE_EXPIRY_DAYS='{"ip": 14}'.
    sample_expiry_days: dict[str, int] = Field(default_factory=dict)
    data_dir: Path = Path("./var")
    # Detection runs read only data directories under this root (default: data_dir/provinces).
    detect_data_root: Path | None = None
    # What alerts become, e.g. '[{"engine": "*", "level": "high", "outcome": "sample"}]'; empty: defaults.
    detect_policies: list[dict[str, str]] = Field(default_factory=list)
    log_level: str = "INFO"
    # Art 34¶1: notices and appeal codes go by SMS through this gateway (signed JSON POST); unset, they
    # are only logged (the demo). The key signs each request and is required with the URL.
    sms_gateway_url: str | None = None
    sms_gateway_key: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        """Refuse to run in production with a development secret; an SMS gateway needs its key."""
        if self.sms_gateway_url and not (self.sms_gateway_key and self.sms_gateway_key.get_secret_value()):
            raise InsecureSettings(
                "配置了短信网关地址但缺少签名密钥：请设置 FANZHA_SMS_GATEWAY_KEY",
                "An SMS gateway URL needs its signing key: set FANZHA_SMS_GATEWAY_KEY",
                field="FANZHA_SMS_GATEWAY_KEY",
            )
        if self.environment == "production":
            defaults = {
                "FANZHA_SECRET_KEY": (self.secret_key, DEV_SECRET_KEY),
                "FANZHA_TOKEN_KEY_HEX": (self.token_key_hex, DEV_TOKEN_KEY),
                "FANZHA_ENCRYPTION_KEY_HEX": (self.encryption_key_hex, DEV_ENCRYPTION_KEY),
            }
            for name, (value, default) in defaults.items():
                if value.get_secret_value() == default:
                    raise InsecureSettings(
                        f"生产环境不得使用默认密钥：请设置 {name}",
                        f"Default secret refused outside development: set {name}",
                        field=name,
                    )
            if not self.cookie_secure:
                raise InsecureSettings(
                    "生产环境必须启用安全 Cookie（FANZHA_COOKIE_SECURE=true）",
                    "Secure cookies are required in production (FANZHA_COOKIE_SECURE=true)",
                    field="FANZHA_COOKIE_SECURE",
                )
            if self.sms_gateway_url and not self.sms_gateway_url.lower().startswith("https://"):
                # The body carries the number and the appeal code: never in clear over the network.
                raise InsecureSettings(
                    "生产环境的短信网关必须使用 HTTPS（FANZHA_SMS_GATEWAY_URL=https://…）",
                    "The SMS gateway must use HTTPS in production (FANZHA_SMS_GATEWAY_URL=https://…)",
                    field="FANZHA_SMS_GATEWAY_URL",
                )
        return self

    @property
    def token_key(self) -> bytes:
        """The 32-byte key for identifier tokens."""
        return bytes.fromhex(self.token_key_hex.get_secret_value())

    @property
    def encryption_key(self) -> bytes:
        """The 16-byte SM4 key for raw identifiers at rest."""
        return bytes.fromhex(self.encryption_key_hex.get_secret_value())
