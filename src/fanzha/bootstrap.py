"""Wire the real adapters together from settings: the one place that connects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fanzha.accountability.service import Accountability
from fanzha.appeals.otp import OtpLimits, PhoneProof
from fanzha.appeals.service import AppealService
from fanzha.audit.checkpoints import CheckpointFile
from fanzha.audit.domain import Sealer, Signer
from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock, SystemClock
from fanzha.core.limiter import Limiter, Limiters, memory_limiters
from fanzha.core.redis_limiter import RedisLimiters
from fanzha.core.settings import Settings
from fanzha.credit.domain import Terms
from fanzha.credit.lifecycle import ListingLifecycle
from fanzha.db.engine import engine_of, session_factory
from fanzha.db.idempotency import IdempotencyStore
from fanzha.disposal.domain import REVERIFY_HOURS, RiskLevel
from fanzha.disposal.holdings import HoldingsService
from fanzha.disposal.notices import HttpSmsGateway, LoggingNotifier, Notifier, SmsNotifier
from fanzha.disposal.policy import LinkedDisposalPolicy
from fanzha.disposal.routing import RoutingService
from fanzha.disposal.service import DisposalService
from fanzha.dissuasion.campaigns import PublicityService
from fanzha.funds.intake import INTAKE_SMS, VictimReports, anyone
from fanzha.funds.service import FundsService
from fanzha.funds.victims import VICTIM_SMS, VictimPortal, victim_on_record
from fanzha.identifiers import IdentifierKind, IdentifierVault
from fanzha.identity.auth import AuthService
from fanzha.identity.domain import LockoutPolicy, SessionPolicy
from fanzha.identity.service import IdentityService
from fanzha.identity.throttle import FailedAuth
from fanzha.leaks.service import LeakService
from fanzha.oversight.domain import Rules
from fanzha.oversight.notifications import Notifications
from fanzha.oversight.service import OversightService
from fanzha.samples.bulk import BulkImporter
from fanzha.samples.domain import DEFAULT_EXPIRY_DAYS, Expiry
from fanzha.samples.filter_service import FilterService
from fanzha.samples.lookup import Lookup
from fanzha.samples.service import SampleService
from fanzha.samples.subscriptions import SubscriptionService
from fanzha.tips.rewards import Tips
from fanzha.warnings.admin import Warnings
from fanzha.warnings.domain import Deadlines
from fanzha.warnings.sms import GatewaySender, LoggingSender, WarningSender


@dataclass
class Platform:
    """Every service of a running platform, built once per process."""

    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    auditor: Auditor
    identity: IdentityService
    auth: AuthService
    idempotency: IdempotencyStore
    samples: SampleService
    bulk: BulkImporter
    lookup: Lookup
    public_limiter: Limiter
    subscriptions: SubscriptionService
    filters: FilterService
    routing: RoutingService | None = None
    disposal: DisposalService | None = None
    linked_disposal: LinkedDisposalPolicy | None = None
    appeals: AppealService | None = None
    holdings: HoldingsService | None = None
    sms_gateway: HttpSmsGateway | None = None
    funds: FundsService | None = None
    credit: ListingLifecycle | None = None
    limiters: Limiters = memory_limiters
    publicity: PublicityService | None = None
    leaks: LeakService | None = None
    oversight: OversightService | None = None
    notifications: Notifications | None = None
    accountability: Accountability | None = None
    tips: Tips | None = None
    warnings: Warnings | None = None

    def close(self) -> None:
        """Release the database, SMS gateway and Redis connections."""
        if self.sms_gateway is not None:
            self.sms_gateway.close()
        if isinstance(self.limiters, RedisLimiters):
            self.limiters.close()
        self.engine.dispose()


def sms_gateway(settings: Settings, clock: Clock) -> HttpSmsGateway | None:
    """The configured SMS gateway, or None in the demo (notices are then only logged)."""
    if not settings.sms_gateway_url:
        return None
    key = settings.sms_gateway_key
    assert key is not None  # Settings refuses a gateway URL without its key
    return HttpSmsGateway(settings.sms_gateway_url, key.get_secret_value(), clock)


def limiters_of(settings: Settings) -> Limiters:
    """Rate-limit windows in Redis when `FANZHA_REDIS_URL` is set (shared), else in this process's memory."""
    if settings.redis_url:
        return RedisLimiters(settings.redis_url, settings.redis_prefix)
    return memory_limiters


def build_platform(settings: Settings, clock: Clock | None = None, engine: Engine | None = None) -> Platform:
    """Build the services; the engine connects lazily, on first use."""
    clock = clock or SystemClock()
    engine = engine or engine_of(settings)
    sessions = session_factory(engine)
    signer = Signer(settings.audit_checkpoint_key)
    auditor = Auditor(
        sessions, clock, Sealer(settings.audit_key), signer, CheckpointFile(settings.checkpoint_file, signer)
    )
    vault = IdentifierVault(settings.token_key, settings.encryption_key)
    gateway = sms_gateway(settings, clock)
    limiters = limiters_of(settings)
    # Art 34¶1: notices (and appeal codes) reach the number by SMS when a gateway is configured; staff
    # activation and reset codes go the same way, to the user's registered phone.
    notifier: Notifier = SmsNotifier(gateway) if gateway is not None else LoggingNotifier()
    identity = IdentityService(sessions, clock, auditor, vault, notifier)
    auth = AuthService(
        sessions,
        clock,
        auditor,
        identity,
        LockoutPolicy(
            settings.max_failed_logins,
            timedelta(minutes=settings.lockout_minutes),
            timedelta(minutes=settings.lockout_max_minutes),
        ),
        SessionPolicy(
            timedelta(minutes=settings.session_idle_minutes),
            timedelta(hours=settings.session_absolute_hours),
        ),
        settings.api_key_default_days,
        FailedAuth(settings.auth_failures_per_minute_per_client, timedelta(minutes=1)),
    )
    expiry_days = {
        **DEFAULT_EXPIRY_DAYS,
        **{IdentifierKind(k): v for k, v in settings.sample_expiry_days.items()},
    }
    samples = SampleService(sessions, clock, auditor, identity, vault, Expiry(expiry_days))
    routing = RoutingService(sessions, clock, auditor, identity, vault)
    # Art 13 根据风险等级: the re-verification deadlines by risk level, defaults overridden per level.
    reverify_hours = {**REVERIFY_HOURS, **{RiskLevel(k): v for k, v in settings.reverify_hours.items()}}
    disposal = DisposalService(
        sessions, clock, auditor, identity, vault, routing, notifier, reverify_hours=reverify_hours
    )
    otp_limits = OtpLimits(
        settings.otp_per_hour_per_client,
        settings.otp_per_hour_per_number_and_client,
        settings.otp_per_number,
        timedelta(minutes=settings.otp_number_window_minutes),
    )
    funds = FundsService(
        sessions,
        clock,
        auditor,
        identity,
        vault,
        routing,
        settings.funds_answer_minutes,
        settings.funds_max_hops,
        settings.funds_expiry_warning_days,
    )
    # Item 8: the victim proves the phone recorded at intake, by the appeals' one-time code mechanism.
    funds.portal = VictimPortal(
        sessions,
        clock,
        auditor,
        PhoneProof(
            disposal, otp_limits, limiters, eligible=victim_on_record, action="funds.otp", sms=VICTIM_SMS
        ),
    )
    # Item 1: the victim reports on the portal, proven by a code sent to any number; the police confirm.
    funds.reports = VictimReports(
        funds,
        PhoneProof(
            disposal, otp_limits, limiters, eligible=anyone, action="funds.intake_otp", sms=INTAKE_SMS
        ),
    )
    appeals = AppealService(disposal, otp_limits, settings.appeal_time_limit_hours, limiters)
    # Art 29: the serious-dishonesty list; an upheld appeal on a listed person ends the listing too.
    credit = ListingLifecycle(
        disposal, Terms(settings.credit_term_years_criminal, settings.credit_term_years_cards)
    )
    appeals.upheld_hooks.append(credit.on_appeal_upheld)
    oversight = OversightService(
        sessions,
        clock,
        auditor,
        identity,
        Rules(
            settings.oversight_min_orders,
            settings.oversight_overdue_floor,
            settings.oversight_overdue_factor,
            settings.oversight_wrongful_ceiling,
            settings.oversight_praise_top,
        ),
    )
    # Art 28¶2: warnings to potential victims; texts through the SMS gateway when one is configured.
    sender: WarningSender = GatewaySender(gateway) if gateway is not None else LoggingSender()
    deadlines = Deadlines(
        settings.warning_sms_s,
        settings.warning_medium_call_s,
        settings.warning_high_call_s,
        settings.warning_visit_s,
        settings.warning_window_h,
        settings.warning_quiet_period_h,
        settings.warning_extra_high,
    )
    warnings = Warnings(sessions, clock, auditor, identity, vault, disposal, deadlines, sender)
    # Art 38¶1 调查处理: a verified tip becomes a warning through the warnings' intake, or a case draft.
    tips = Tips(sessions, clock, auditor, identity, vault, samples, settings.encryption_key)
    tips.warnings, tips.funds = warnings, funds
    return Platform(
        settings,
        clock,
        engine,
        sessions,
        auditor,
        identity,
        auth,
        idempotency=IdempotencyStore(sessions, clock),
        samples=samples,
        bulk=BulkImporter(samples),
        lookup=Lookup(sessions, auditor, vault),
        public_limiter=limiters("check.minute", settings.public_check_per_minute, 60.0),
        subscriptions=SubscriptionService(
            sessions, clock, auditor, identity, settings.encryption_key, settings.webhook_allow_private
        ),
        filters=FilterService(sessions),
        routing=routing,
        disposal=disposal,
        linked_disposal=LinkedDisposalPolicy(disposal),
        appeals=appeals,
        holdings=HoldingsService(sessions, clock, auditor, identity, vault),
        sms_gateway=gateway,
        funds=funds,
        credit=credit,
        limiters=limiters,
        publicity=PublicityService(sessions, clock, auditor, identity, settings.analysis_province_dir),
        leaks=LeakService(sessions, clock, auditor, identity, settings.analysis_province_dir),
        oversight=oversight,
        notifications=Notifications(oversight),
        accountability=Accountability(sessions, clock, auditor, identity, oversight),
        # Art 38: tips with the reporter sealed under keys derived from the platform's SM4 key.
        tips=tips,
        warnings=warnings,
    )
