"""One typed settings class, read from `FANZHA_*` environment variables."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fanzha.core.errors import InsecureSettings

# Development-only keys: known to everyone, so refused outside development.
DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production
DEV_TOKEN_KEY = "00" * 32
DEV_ENCRYPTION_KEY = "11" * 16
DEV_AUDIT_KEY = "22" * 32
DEV_AUDIT_CHECKPOINT_KEY = "33" * 32


class Settings(BaseSettings):
    """Everything the platform can be configured with; secrets never print."""

    model_config = SettingsConfigDict(env_prefix="FANZHA_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./var/fanzha.db"
    # PostgreSQL connections per process: kept open, and extra ones opened under load (docs/operations.md).
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    # Connecting through PgBouncer in transaction mode: no server-side prepared statements (a later
    # transaction may run on another server connection that never saw them).
    db_pgbouncer: bool = False
    # The embedded database's durability: "normal" survives a killed process, "full" a power cut too.
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    nats_url: str | None = None
    # Rate limits shared by every worker and host (core.redis_limiter); unset, each process counts its own.
    redis_url: str | None = None
    redis_prefix: str = "fanzha:rl:"
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    # Art 27: identifiers shared as keyed hashes (HMAC-SM3) and stored encrypted (SM4).
    token_key_hex: SecretStr = SecretStr(DEV_TOKEN_KEY)
    encryption_key_hex: SecretStr = SecretStr(DEV_ENCRYPTION_KEY)
    # Art 26: each audit entry carries an HMAC-SM3 under this key, which the database never holds.
    audit_key_hex: SecretStr = SecretStr(DEV_AUDIT_KEY)
    # Signs the audit checkpoints; only the processes that write or verify checkpoints need it.
    audit_checkpoint_key_hex: SecretStr = SecretStr(DEV_AUDIT_CHECKPOINT_KEY)
    # Signed checkpoints (one JSON line each), outside the database; default data_dir/audit-checkpoints.jsonl.
    audit_checkpoint_path: Path | None = None
    # How often the event dispatcher writes a checkpoint when the log has grown.
    audit_checkpoint_minutes: float = Field(default=10.0, gt=0)
    language: Literal["zh", "en"] = "zh"
    # Graded protection level 3 practice: lock-out and idle time-out.
    max_failed_logins: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=30, ge=1)
    # The lock is per (user, address) and doubles with each further failure, up to this.
    lockout_max_minutes: int = Field(default=1440, ge=1)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    api_key_default_days: int = Field(default=365, ge=1)
    cookie_secure: bool = False
    # The public risk check per client address, a minute and an hour (the hour bounds enumeration:
    # docs/reliability.md states what one address and a thousand can test).
    public_check_per_minute: int = Field(default=10, ge=1)
    public_check_per_hour: int = Field(default=60, ge=1)
    # Each public bucket's ceiling over every caller together (check, portal lookups, code requests,
    # appeals apart): far above what the per-address windows let a thousand addresses send.
    public_per_minute_overall: int = Field(default=6000, ge=1)
    # One-time codes (Art 34¶2): per address an hour, per number and address an hour, and per number
    # in a short window, so others asking for a number's codes hold its owner up for minutes at most.
    otp_per_hour_per_client: int = Field(default=10, ge=1)
    otp_per_hour_per_number_and_client: int = Field(default=3, ge=1)
    otp_per_number: int = Field(default=5, ge=1)
    otp_number_window_minutes: int = Field(default=10, ge=1)
    # Addresses or networks of reverse proxies whose X-Forwarded-For is honoured, e.g.
    # '["10.0.0.5", "10.1.0.0/24"]'; empty: the peer's address is the client's, whatever it sends.
    trusted_proxies: list[str] = Field(default_factory=list)
    # Appeal submissions per address per hour (Art 34: one appeal per measure; a flood is abuse).
    appeals_per_hour_per_client: int = Field(default=20, ge=1)
    # Log-in attempts per address and per account per minute, before the lock-out counts failures.
    login_per_minute_per_client: int = Field(default=20, ge=1)
    login_per_minute_per_account: int = Field(default=10, ge=1)
    # Failed API-key (and unknown session token) authentications per address per minute before a 429;
    # the audit log keeps the first of each minute and one summary row of the rest.
    auth_failures_per_minute_per_client: int = Field(default=30, ge=1)
    # Pull-feed reads (samples and orders) per address and per organisation per minute.
    feed_per_minute_per_client: int = Field(default=120, ge=1)
    feed_per_minute_per_org: int = Field(default=600, ge=1)
    # Webhooks may target loopback and private addresses: only for tests and the demo (refused in production).
    webhook_allow_private: bool = False
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
    # Level of every logger (DEBUG, INFO, WARNING, ERROR), for `fanzha serve` and the workers.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # "text" for a terminal; "json": one object a line (time, level, logger, message, request_id).
    log_format: Literal["text", "json"] = "text"
    # OpenTelemetry: a span per request to the OTLP endpoint of OTEL_EXPORTER_OTLP_* (web.tracing).
    otel_enabled: bool = False
    otel_service_name: str = "fanzha"
    # Bearer token a Prometheus scraper sends to /metrics; unset, /metrics answers loopback callers only.
    metrics_token: SecretStr | None = None
    # Art 34¶1: notices and appeal codes go by SMS through this gateway (signed JSON POST); unset, they
    # are only logged (the demo). The key signs each request and is required with the URL.
    sms_gateway_url: str | None = None
    sms_gateway_key: SecretStr | None = None
    # The demo's local SMS sink (`fanzha run` turns it on when no gateway is configured): the web app
    # takes the platform's signed SMS at /demo/sms/gateway and shows them at /demo/sms. Never in production.
    demo_sms_sink: bool = False
    # Funds (Art 18¶4, 19): minutes an institution has to answer a stop-payment before it escalates, and
    # how many hops of onward transfers a receipt's leads follow.
    funds_answer_minutes: int = Field(default=10, ge=1, le=1440)
    funds_max_hops: int = Field(default=3, ge=0, le=10)
    # Days before a freeze ends that the police are warned (event and console list), so a renewal
    # (Art 19¶1, before expiry) is not missed.
    funds_expiry_warning_days: int = Field(default=7, ge=1, le=60)
    # Prevention (docs/prevention.md). Art 10(一): cards per person per operator (national: 5), and an
    # optional cap across all operators.
    prevention_card_limit: int = Field(default=5, ge=1, le=100)
    prevention_card_limit_total: int | None = Field(default=None, ge=1, le=500)
    # Art 10(三) configured: an age band opening more than `cards` within `days` is refused.
    prevention_age_bursts: list[dict[str, int]] = Field(
        default_factory=lambda: [{"min_age": 16, "max_age": 25, "cards": 3, "days": 7}]
    )
    # Art 17(二): one device, contact or address across more than this many new accounts in `days`.
    prevention_link_limit: int = Field(default=3, ge=1, le=1000)
    prevention_link_days: int = Field(default=7, ge=1, le=365)
    # Art 12¶2: calling-code prefixes of the regions where overseas fraud is rife (calls get a label).
    prevention_risky_prefixes: list[str] = Field(
        default_factory=lambda: [
            "+95",
            "+855",
            "+856",
            "+63",
            "+60",
            "+66",
            "+971",
            "+852",
            "+853",
            "+886",
            "+84",
        ]
    )
    # Art 12¶2: seconds between refreshes of the sample numbers the call screen blocks (within 1 s).
    prevention_sample_refresh_s: float = Field(default=0.25, gt=0, le=60)
    # Art 18¶2: withdrawals this close at one ATM by one person are "in a row"; this many cards stop it;
    # the lower limit (fen) offered as an alternative for a genuine need.
    prevention_atm_row_s: int = Field(default=1800, ge=60, le=86400)
    prevention_atm_many_cards: int = Field(default=3, ge=2, le=50)
    prevention_atm_lower_limit_fen: int = Field(default=200_000, ge=100, le=10**9)
    # A province's analysis files (`fanzha sim generate --extras`, or an export in the same layout) from
    # which the console draws the victim profile (Art 7-8) and the leak-source ranking (Art 26); unset:
    # those pages show campaign and report records only.
    analysis_province_dir: str | None = None
    # Joint punishment (Art 29; 联合惩戒办法): the term in years by ground, within the 5-year cap.
    credit_term_years_criminal: int = Field(default=3, ge=1, le=5)
    credit_term_years_cards: int = Field(default=2, ge=1, le=5)
    # Oversight (Art 24 通报): an institution is ranked from this many orders in the month; criticised
    # when its overdue rate reaches max(floor, factor × its sector's mean), or its wrongful-disposal rate
    # exceeds the ceiling; the best `praise_top` with no overdue order are praised.
    oversight_min_orders: int = Field(default=5, ge=1, le=10000)
    oversight_overdue_floor: float = Field(default=0.2, ge=0.0, le=1.0)
    oversight_overdue_factor: float = Field(default=2.0, ge=1.0, le=20.0)
    oversight_wrongful_ceiling: float = Field(default=0.05, ge=0.0, le=1.0)
    oversight_praise_top: int = Field(default=3, ge=0, le=50)
    # Warnings (Art 28¶2 及时; issue 23): seconds allowed per contact, the episode window and the quiet
    # period (hours), and the days of call records a new sample number's contacts are looked up in (12381).
    warning_sms_s: int = Field(default=60, ge=1, le=86400)
    warning_medium_call_s: int = Field(default=1800, ge=60, le=86400)
    warning_high_call_s: int = Field(default=300, ge=30, le=86400)
    warning_visit_s: int = Field(default=1800, ge=60, le=86400)
    warning_window_h: float = Field(default=72.0, gt=0, le=24 * 90)
    warning_quiet_period_h: float = Field(default=720.0, ge=0, le=24 * 366)
    warning_contact_days: int = Field(default=7, ge=1, le=90)
    # Extra-high warnings (第二十八条第二款, 第十八条第四款): call, visit and bank delay at once.
    warning_extra_high: bool = False

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        """Accept `info` as well as `INFO`."""
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        """Each entry an address or a network (CIDR)."""
        for entry in value:
            ipaddress.ip_network(entry.strip(), strict=False)  # a ValueError names the bad entry
        return [entry.strip() for entry in value]

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
            if self.demo_sms_sink:
                # The sink's page shows every notice and one-time code to anyone who opens it.
                raise InsecureSettings(
                    "生产环境不得启用演示短信收件箱（FANZHA_DEMO_SMS_SINK）",
                    "The demo SMS sink is refused in production (FANZHA_DEMO_SMS_SINK)",
                    field="FANZHA_DEMO_SMS_SINK",
                )
            for name in self.development_keys():
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
            if self.webhook_allow_private:
                raise InsecureSettings(
                    "生产环境不得允许回调指向内网地址（FANZHA_WEBHOOK_ALLOW_PRIVATE）",
                    "Webhooks to private addresses are refused in production (FANZHA_WEBHOOK_ALLOW_PRIVATE)",
                    field="FANZHA_WEBHOOK_ALLOW_PRIVATE",
                )
            if self.sms_gateway_url and not self.sms_gateway_url.lower().startswith("https://"):
                # The body carries the number and the appeal code: never in clear over the network.
                raise InsecureSettings(
                    "生产环境的短信网关必须使用 HTTPS（FANZHA_SMS_GATEWAY_URL=https://…）",
                    "The SMS gateway must use HTTPS in production (FANZHA_SMS_GATEWAY_URL=https://…)",
                    field="FANZHA_SMS_GATEWAY_URL",
                )
        return self

    def development_keys(self) -> list[str]:
        """The settings still holding a development key everyone knows (served on loopback only)."""
        defaults = {
            "FANZHA_SECRET_KEY": (self.secret_key, DEV_SECRET_KEY),
            "FANZHA_TOKEN_KEY_HEX": (self.token_key_hex, DEV_TOKEN_KEY),
            "FANZHA_ENCRYPTION_KEY_HEX": (self.encryption_key_hex, DEV_ENCRYPTION_KEY),
            "FANZHA_AUDIT_KEY_HEX": (self.audit_key_hex, DEV_AUDIT_KEY),
            "FANZHA_AUDIT_CHECKPOINT_KEY_HEX": (self.audit_checkpoint_key_hex, DEV_AUDIT_CHECKPOINT_KEY),
        }
        return [name for name, (value, default) in defaults.items() if value.get_secret_value() == default]

    @property
    def token_key(self) -> bytes:
        """The 32-byte key for identifier tokens."""
        return bytes.fromhex(self.token_key_hex.get_secret_value())

    @property
    def audit_key(self) -> bytes:
        """The 32-byte HMAC-SM3 key of audit entries."""
        return bytes.fromhex(self.audit_key_hex.get_secret_value())

    @property
    def audit_checkpoint_key(self) -> bytes:
        """The 32-byte HMAC-SM3 key that signs audit checkpoints."""
        return bytes.fromhex(self.audit_checkpoint_key_hex.get_secret_value())

    @property
    def checkpoint_file(self) -> Path:
        """Where signed audit checkpoints are appended."""
        return self.audit_checkpoint_path or self.data_dir / "audit-checkpoints.jsonl"

    @property
    def encryption_key(self) -> bytes:
        """The 16-byte SM4 key for raw identifiers at rest."""
        return bytes.fromhex(self.encryption_key_hex.get_secret_value())
