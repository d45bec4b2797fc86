"""Prevention endpoints of the real-time service: JSON in, a check from fanzha.prevention out.

    POST /api/v1/prevention/card-opening/check     telecom: may this person open a card? (Art 10)
    POST /api/v1/prevention/card-reports           telecom: a card opened or closed (Art 10(一))
    POST /api/v1/prevention/account-opening/check  bank, payment: may this person open an account? (Art 17)
    POST /api/v1/prevention/account-reports        bank, payment: an account opened, its links (Art 17(二))
    POST /api/v1/prevention/outcomes               the institution records what it did after a check
    POST /api/v1/prevention/call-screen            telecom: block, label or deliver a call (Art 12¶2)
    POST /api/v1/prevention/atm-withdrawals        bank: stop or allow a withdrawal (Art 18¶2)
    POST /api/v1/prevention/tiers                  bank, payment: the institution's tier table (Art 16)
    POST /api/v1/prevention/grades                 bank, payment: an account's customer risk score (Art 16)
    POST /api/v1/prevention/batch                  up to 64 of the above in one request, answered in order

Persons are sent as {"id_token": 64 hex} or {"id_number": "…"} (tokenised here, never kept); cards,
numbers and accounts as raw values, kept only as keyed tokens. Every check is journaled with who
asked, what was answered and why (the service's audit trail; Art 26).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fanzha_client.tokens import KeyedSM3

from fanzha.core.errors import FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.identifiers import normalise
from fanzha.identity.domain import OrgKind, Principal
from fanzha.prevention import domain as rules
from fanzha.prevention.domain import AccountApplication, BurstRule, Withdrawal
from fanzha.prevention.sources import Alerts, FraudCards, ListCheck
from fanzha.prevention.store import PreventionStore
from fanzha.prevention.tiers import parse_table, tier_of, tier_refusal

PREFIX = "/api/v1/prevention/"
BATCH_MAX = 64  # items in one batch: a gateway in front of many counters sends several at once
BATCH_BODY = 64 * 1024
_SEP = "\x1f"  # as fanzha.identifiers.IdentifierVault keys kind and value
TELECOM = frozenset({OrgKind.TELECOM})
FINANCE = frozenset({OrgKind.BANK, OrgKind.PAYMENT})
BANK = frozenset({OrgKind.BANK})


@dataclass(frozen=True)
class PreventionConfig:
    """The prevention settings the checks use (FANZHA_PREVENTION_*)."""

    card_limit: int = rules.CARD_LIMIT_PER_OPERATOR
    card_limit_total: int | None = None
    bursts: tuple[BurstRule, ...] = (BurstRule(16, 25, 3, 7),)
    link_limit: int = 3
    link_days: int = 7
    risky_prefixes: tuple[str, ...] = ()
    atm_row_s: int = 1800
    atm_many_cards: int = 3
    atm_lower_limit_fen: int = 200_000

    @classmethod
    def from_settings(cls, s: Any) -> PreventionConfig:
        """From the platform's Settings."""
        return cls(
            s.prevention_card_limit,
            s.prevention_card_limit_total,
            tuple(
                BurstRule(b["min_age"], b["max_age"], b["cards"], b["days"]) for b in s.prevention_age_bursts
            ),
            s.prevention_link_limit,
            s.prevention_link_days,
            tuple(s.prevention_risky_prefixes),
            s.prevention_atm_row_s,
            s.prevention_atm_many_cards,
            s.prevention_atm_lower_limit_fen,
        )


def _bad(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(zh, en, field=field)


def _bool(body: dict[str, Any], key: str, default: bool = False) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise _bad(key, f"「{key}」应为 true 或 false", f"'{key}' must be true or false")
    return value


def _int(body: dict[str, Any], key: str, low: int, high: int, default: int | None = None) -> int | None:
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(
            key, f"「{key}」应为 {low} 至 {high} 的整数", f"'{key}' must be an integer from {low} to {high}"
        )
    return value


def _text(body: dict[str, Any], key: str, required: bool = False, limit: int = 128) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _bad(
            key,
            f"「{key}」应为 1 至 {limit} 个字符的字符串",
            f"'{key}' must be a string of 1 to {limit} characters",
        )
    return value


class Prevention:
    """The checks over the store and the platform's lists, fraud cards, alerts and sample numbers."""

    def __init__(
        self,
        store: PreventionStore,
        config: PreventionConfig,
        token_key: bytes,
        lists: ListCheck,
        fraud_cards: FraudCards,
        alerts: Alerts,
        is_sample: Callable[[str, str], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.config = config
        self._mac = KeyedSM3(token_key)
        self.lists = lists
        self.fraud_cards = fraud_cards
        self.alerts = alerts
        self.is_sample = is_sample
        self.clock = clock
        self.routes: dict[str, Callable[[Principal, dict[str, Any]], dict[str, object]]] = {
            "card-opening/check": self.card_check,
            "card-reports": self.card_report,
            "account-opening/check": self.account_check,
            "account-reports": self.account_report,
            "outcomes": self.outcome,
            "call-screen": self.call_screen,
            "atm-withdrawals": self.atm,
            "tiers": self.tiers,
            "grades": self.grade,
        }

    def refresh(self) -> None:
        """Reload what the checks read from the platform (off the event loop)."""
        self.lists.refresh()
        self.fraud_cards.refresh()
        self.alerts.refresh()

    def handle(self, route: str, principal: Principal, body: object) -> dict[str, object]:
        """Dispatch one request; NotFound for an unknown route, ValidationFailed for a bad body."""
        if route == "batch":
            return self.batch(principal, body)
        handler = self.routes.get(route)
        if handler is None:
            raise NotFound()
        if not isinstance(body, dict):
            raise _bad("body", "请求体应为 JSON 对象", "body must be a JSON object")
        return handler(principal, body)

    def batch(self, principal: Principal, body: object) -> dict[str, object]:
        """Several checks or reports in order; each answered, or refused alone (its field under items[i])."""
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= BATCH_MAX:
            raise _bad(
                "items",
                f"「items」应为 1 至 {BATCH_MAX} 项的列表",
                f"'items' must be a list of 1 to {BATCH_MAX}",
            )
        results: list[dict[str, object]] = []
        for i, item in enumerate(items):
            route = item.get("route") if isinstance(item, dict) else None
            try:
                if not isinstance(route, str) or route not in self.routes:
                    raise _bad(
                        "route",
                        "「route」应为本服务的一个检查或报告",
                        "'route' must be one of this service's checks",
                    )
                results.append({"ok": True, "result": self.handle(route, principal, item.get("body"))})
            except FanzhaError as error:
                answer = error.to_dict()
                answer["field"] = f"items[{i}]" + (f".{error.field}" if error.field else "")
                results.append({"ok": False, "error": answer})
        return {"results": results}

    # --- identifiers ---------------------------------------------------------------------------------

    def token(self, kind: str, raw: object, field: str) -> str:
        """The platform's keyed token of a raw identifier (HMAC-SM3 of kind and normalised value)."""
        if not isinstance(raw, str) or not 0 < len(raw) <= 128:
            raise _bad(
                field,
                f"「{field}」应为 1 至 128 个字符的字符串",
                f"'{field}' must be a string of 1 to 128 characters",
            )
        identifier = normalise(kind, raw, field=field)
        return self._mac.digest(f"{kind}{_SEP}{identifier.value}".encode()).hex()

    def person(self, body: dict[str, Any]) -> str:
        """The person's ID token: given, or computed from the ID number (which is not kept)."""
        person = body.get("person")
        if not isinstance(person, dict) or ("id_token" in person) == ("id_number" in person):
            raise _bad(
                "person",
                "「person」应为含 id_token 或 id_number 之一的对象",
                "'person' must hold one of id_token or id_number",
            )
        if "id_token" in person:
            return rules.check_id_token(person["id_token"], "person.id_token")
        return self.token("resident_id", person["id_number"], "person.id_number")

    def _at(self, body: dict[str, Any]) -> float:
        value = body.get("at")
        now = self.clock()
        if value is None:
            return now
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not (math.isfinite(value) and 0 < value < now + 86400)
        ):
            raise _bad(
                "at", "「at」应为 Unix 秒，且不晚于一天后", "'at' must be Unix seconds, at most a day ahead"
            )
        return float(value)

    @staticmethod
    def _require(principal: Principal, kinds: frozenset[OrgKind], what_zh: str, what_en: str) -> str:
        if principal.org_kind not in kinds:
            raise PermissionDenied(
                f"只有{what_zh}可调用此接口", f"only {what_en} may call this", field="authorization"
            )
        return str(principal.org_id)

    def _journal_check(
        self, kind: str, principal: Principal, person: str, answer: dict[str, object]
    ) -> dict[str, object]:
        check_id = uuid.uuid4().hex
        grounds = answer.get("grounds", [])
        codes = [g["code"] for g in grounds] if isinstance(grounds, list) else []
        now = self.clock()
        self.store.audit(
            {
                "t": "check",
                "id": check_id,
                "kind": kind,
                "org": principal.org_id,
                "key": principal.api_key_id,
                "person": person,
                "outcome": answer["outcome"],
                "grounds": codes,
                "at": now,
            },
            now,
        )
        return {"check_id": check_id, **answer}

    # --- Art 10 --------------------------------------------------------------------------------------

    def card_check(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 10: may this person open one more card with the asking operator?"""
        operator = self._require(principal, TELECOM, "电信业务经营者", "telecom operators")
        person_token = self.person(body)
        age = _int(body, "age", 0, 150)
        now = self._at(body)
        p = self.store.person(person_token)
        verdict = rules.card_grounds(
            p.per_operator(),
            operator,
            self.config.card_limit,
            self.config.card_limit_total,
            self.fraud_cards.held_by(person_token, list(p.cards)),
            self.lists.lists_for(person_token, "card"),
            age,
            list(p.openings),
            now,
            self.config.bursts,
        )
        answer = verdict.as_dict()
        answer["cards_here"] = p.per_operator().get(operator, 0)
        answer["cards_total"] = len(p.cards)
        return self._journal_check("card", principal, person_token, answer)

    def card_report(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 10(一): the operator reports a card opened or closed, counted across operators."""
        operator = self._require(principal, TELECOM, "电信业务经营者", "telecom operators")
        event = body.get("event")
        if event not in ("opened", "closed"):
            raise _bad("event", "「event」应为 opened 或 closed", "'event' must be opened or closed")
        card = self.token("phone", body.get("card"), "card")
        at = self._at(body)
        if event == "opened":
            person_token = self.person(body)
            self.store.record(
                {"t": "card_opened", "person": person_token, "card": card, "op": operator, "at": at}
            )
        else:
            holder = self.store.card_holder.get(card)
            if holder is None or self.store.persons[holder].cards.get(card) != operator:
                raise NotFound(
                    "本运营商未报告过该号码开卡",
                    "this operator reported no opening of this card",
                    field="card",
                )
            self.store.record({"t": "card_closed", "card": card, "op": operator, "at": at})
        return {"ok": True, "event": event, "card_token": card}

    # --- Art 17 --------------------------------------------------------------------------------------

    def _links(self, body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
        device = _text(body, "device")
        contact = body.get("contact")
        address = _text(body, "address", limit=300)
        return (
            self._mac.digest(f"device{_SEP}{device.strip().lower()}".encode()).hex() if device else None,
            self.token("phone", contact, "contact") if contact is not None else None,
            self._mac.digest(f"address{_SEP}{''.join(address.split())}".encode()).hex() if address else None,
        )

    def account_check(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 17: the five grounds to refuse an account, from the institution's inputs and the platform's."""
        self._require(principal, FINANCE, "银行业金融机构、非银行支付机构", "banks and payment institutions")
        person_token = self.person(body)
        device, contact, address = self._links(body)
        now = self._at(body)
        dd = body.get("due_diligence", {})
        if not isinstance(dd, dict):
            raise _bad("due_diligence", "「due_diligence」应为对象", "'due_diligence' must be an object")
        app = AccountApplication(
            refuses_identity=_bool(body, "refuses_identity"),
            uses_others_identity=_bool(body, "uses_others_identity"),
            fits_profile=_bool(dd, "fits_profile", True),
            explained=_bool(dd, "explained"),
            institution_suspects=_bool(body, "institution_suspects"),
        )
        hits = [
            name
            for name, kind, tok in (("身份证号", "resident_id", person_token), ("联系电话", "phone", contact))
            if tok and self.is_sample(kind, tok)
        ]
        verdict = rules.account_grounds(
            app,
            self.store.link_counts(device, contact, address, person_token, now, self.config.link_days),
            self.config.link_limit,
            self.config.link_days,
            hits,
            self.alerts.counts.get(person_token, 0),
            self.lists.lists_for(person_token, "account"),
        )
        return self._journal_check("account", principal, person_token, verdict.as_dict())

    def account_report(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 17(二): an account opened, with the device, contact and address it used."""
        self._require(principal, FINANCE, "银行业金融机构、非银行支付机构", "banks and payment institutions")
        person_token = self.person(body)
        device, contact, address = self._links(body)
        at = self._at(body)
        self.store.record(
            {
                "t": "account_opened",
                "person": person_token,
                "device": device,
                "contact": contact,
                "address": address,
                "org": principal.org_id,
                "at": at,
            }
        )
        return {"ok": True}

    def outcome(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """The institution records what it did after a check (opened, refused, abandoned)."""
        check_id = _text(body, "check_id", required=True, limit=32)
        done = body.get("outcome")
        if done not in ("opened", "refused", "abandoned"):
            raise _bad(
                "outcome",
                "「outcome」应为 opened、refused 或 abandoned",
                "'outcome' must be opened, refused or abandoned",
            )
        note = _text(body, "note", limit=500) or ""
        now = self.clock()
        entry = {"t": "outcome", "check": check_id, "org": principal.org_id, "key": principal.api_key_id}
        self.store.audit({**entry, "outcome": done, "note": note, "at": now}, now)
        return {"ok": True, "check_id": check_id, "outcome": done}

    # --- Art 12¶2 ------------------------------------------------------------------------------------

    def call_screen(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 12¶2: at call set-up, block, label (标注) or deliver."""
        self._require(principal, TELECOM, "电信业务经营者", "telecom operators")
        caller = _text(body, "caller", required=True, limit=40)
        assert caller is not None
        via = _bool(body, "via_international")
        try:
            token: str | None = self.token("phone", caller, "caller")
        except ValidationFailed:
            token = None  # an irregular number: the screen blocks it, it is not an error of the request
        verdict = rules.screen_call(
            caller, via, self.config.risky_prefixes, token is not None and self.is_sample("phone", token)
        )
        return verdict.as_dict()

    # --- Art 18¶2 ------------------------------------------------------------------------------------

    def atm(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 18¶2: decide one withdrawal while it happens; journal it for the next one."""
        self._require(principal, BANK, "银行业金融机构", "banks")
        card = self.token("bank_card", body.get("card"), "card")
        atm_id = _text(body, "atm_id", required=True, limit=64)
        face = _text(body, "face_id", limit=64)
        matches = body.get("face_matches_holder")
        if matches is not None and not isinstance(matches, bool):
            raise _bad(
                "face_matches_holder",
                "「face_matches_holder」应为 true、false 或 null",
                "'face_matches_holder' must be true, false or null",
            )
        _int(body, "amount_fen", 1, 10**10)
        at = self._at(body)
        assert atm_id is not None
        w = Withdrawal(at, atm_id, card, face, _bool(body, "face_covered"), matches)
        answer = rules.atm_grounds(
            w,
            self.store.atm.get(atm_id, ()),
            self.config.atm_row_s,
            self.config.atm_many_cards,
            self.config.atm_lower_limit_fen,
        )
        self.store.record(
            {
                "t": "atm",
                "at": at,
                "atm": atm_id,
                "card": card,
                "face": face,
                "covered": w.face_covered,
                "matches": matches,
                "org": principal.org_id,
                "outcome": answer["outcome"],
            }
        )
        return answer

    # --- Art 16 --------------------------------------------------------------------------------------

    def tiers(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 16: replace the institution's tier table (refused whole when it has gaps or overlaps)."""
        self._require(principal, FINANCE, "银行业金融机构、非银行支付机构", "banks and payment institutions")
        table = parse_table(body)
        self.store.record({"t": "tiers", "org": principal.org_id, "table": body, "at": self.clock()})
        return {"ok": True, "tiers": [t.name for t in table]}

    def grade(self, principal: Principal, body: dict[str, Any]) -> dict[str, object]:
        """Art 16: an account's customer risk score (CustomerRiskV1 and the institution's due diligence)."""
        self._require(principal, FINANCE, "银行业金融机构、非银行支付机构", "banks and payment institutions")
        account = self.account_token(body.get("account"), "account")
        score = _int(body, "score", 0, 100)
        if score is None:
            raise _bad(
                "score", "「score」为必填的 0 至 100 的整数", "'score' is a required integer from 0 to 100"
            )
        self.store.record({"t": "grade", "org": principal.org_id, "account": account, "score": score})
        table = self.store.tiers.get(principal.org_id)
        return {"ok": True, "tier": tier_of(table, score).name if table else None}

    def account_token(self, party: object, field: str) -> str:
        """The token of a {"kind": bank_card | payment_account, "value"} account."""
        if not isinstance(party, dict) or party.get("kind") not in ("bank_card", "payment_account"):
            raise _bad(
                field,
                f"「{field}」应为含 kind（bank_card 或 payment_account）与 value 的对象",
                f"'{field}' must have kind bank_card or payment_account and value",
            )
        return self.token(party["kind"], party.get("value"), f"{field}.value")

    def transfer_limit(
        self, org_id: int, payer_token: str, body: dict[str, Any], amount_fen: int, at: float
    ) -> dict[str, object] | None:
        """Art 16 at transfer time: the tier refusal for this payment, or None (and the sum is counted)."""
        table = self.store.tiers.get(org_id)
        score = self.store.grades.get((org_id, payer_token))
        if table is None or score is None:
            return None
        channel = _text(body, "channel", limit=32) or "online"
        function = _text(body, "function", limit=32) or "transfer"
        tier = tier_of(table, score)
        refusal = tier_refusal(tier, channel, function, amount_fen, self.store.spent_today(payer_token, at))
        if refusal is None:
            self.store.record({"t": "paid", "account": payer_token, "fen": amount_fen, "at": at})
        return refusal
