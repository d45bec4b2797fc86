"""The holdings register (持有关系登记): who holds the objects each institution serves (Art 18, 20¶2).

Linked disposal reads it to reach the same person's accounts at other institutions
(`fanzha.disposal.policy`), and notices read it for the holder's registered phone (Art 34¶1). Objects
are kept as keyed tokens, masks and SM4 ciphertext; the holder's ID number only as its keyed token and
mask (Art 9: nothing the platform could turn back into the number); the holder's phone, the contact
notices go to, as token and ciphertext. An institution writes and reads only its own declarations, and
every access is audited as access to personal information.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.tables import Holding
from fanzha.identifiers import IdentifierKind, IdentifierVault, normalise, parse_kind
from fanzha.identity.domain import ORG_KIND_LABELS, OrgKind, Permission, Principal
from fanzha.identity.service import IdentityService, actor_of, refused

# The objects each sector serves and may declare a holder of (Art 13, 18, 20: the institution that holds
# the object knows its real-name holder).
HOLDABLE: dict[OrgKind, IdentifierKind] = {
    OrgKind.TELECOM: IdentifierKind.PHONE,
    OrgKind.BANK: IdentifierKind.BANK_CARD,
    OrgKind.PAYMENT: IdentifierKind.PAYMENT_ACCOUNT,
    OrgKind.INTERNET: IdentifierKind.INTERNET_ACCOUNT,
}
MAX_ROWS = 100_000
CSV_COLUMNS = ("kind", "value", "holder_id")  # and optionally holder_phone
_CHUNK = 5_000  # tokens per IN list: well under SQLite's bound-parameter limit


@dataclass(frozen=True)
class HoldingRow:
    """One declaration as received: raw strings, and where it came from (field prefix for errors)."""

    kind: str
    value: str
    holder_id: str
    where: str  # "items.3" (JSON) or "line 4" (CSV)
    holder_phone: str = ""  # the holder's registered phone, where notices go (Art 34¶1)


@dataclass(frozen=True)
class UploadReport:
    """What an upload changed: new declarations, changed holders, and rows already as declared."""

    received: int
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class _Checked:
    kind: IdentifierKind
    object_token: str
    object_masked: str
    object_ciphertext: bytes
    holder_token: str
    holder_masked: str
    phone_token: str
    phone_ciphertext: bytes | None
    where: str


def _line_error(where: str, field: str, error: ValidationFailed) -> ValidationFailed:
    """The row's error, naming the line (CSV) or the item's field (JSON)."""
    if where.startswith("line"):
        return ValidationFailed(
            f"第 {where[5:]} 行：{error.message_zh}", f"Line {where[5:]}: {error.message_en}", field=where
        )
    return ValidationFailed(error.message_zh, error.message_en, field=f"{where}.{field}")


def parse_csv(data: bytes) -> list[HoldingRow]:
    """Rows of a CSV file with columns kind, value, holder_id (UTF-8, header first)."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error):
        raise ValidationFailed(
            "文件须为 UTF-8 编码的 CSV", "The file must be UTF-8 CSV", field="file"
        ) from None
    if not reader.fieldnames or not set(CSV_COLUMNS) <= {c.strip() for c in reader.fieldnames}:
        raise ValidationFailed(
            "CSV 须包含列 kind、value 和 holder_id",
            "CSV needs columns kind, value and holder_id",
            field="file",
        )
    return [
        HoldingRow(
            (row.get("kind") or "").strip(),
            (row.get("value") or "").strip(),
            (row.get("holder_id") or "").strip(),
            f"line {line}",
            (row.get("holder_phone") or "").strip(),
        )
        for line, row in enumerate(({k.strip(): v for k, v in r.items() if k} for r in rows), start=2)
    ]


class HoldingsService:
    """Institutions declare the holders of the objects they serve; linked disposal reads the register."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._vault = vault

    def _institution(self, principal: Principal, action: str) -> OrgKind:
        """The caller's sector; only institutions keep a register of their own (least privilege)."""
        self._identity.authorise(principal, Permission.HOLDING_MANAGE, action)
        if not principal.org_kind.is_institution:
            self._identity.deny(principal, action, "holding", "")
            raise PermissionDenied(
                "只有银行、支付机构、电信和互联网企业登记持有关系",
                "Only banks, payment institutions, operators and platforms declare holdings",
                field="org",
            )
        return principal.org_kind

    def _check(self, sector: OrgKind, row: HoldingRow) -> _Checked:
        """One row normalised, tokenised and encrypted; a clear refusal naming its field or line."""
        try:
            kind = parse_kind(row.kind, field="kind")
        except ValidationFailed as error:
            raise _line_error(row.where, "kind", error) from None
        if HOLDABLE[sector] is not kind:
            allowed = HOLDABLE[sector]
            raise _line_error(
                row.where,
                "kind",
                ValidationFailed(
                    f"{ORG_KIND_LABELS[sector][0]}只能登记{allowed.label_zh}的持有人",
                    f"An institution of kind {sector} declares holders of a {allowed.label_en.lower()} only",
                ),
            )
        try:
            obj = normalise(kind, row.value, field="value")
        except ValidationFailed as error:
            raise _line_error(row.where, "value", error) from None
        try:
            holder = normalise(IdentifierKind.RESIDENT_ID, row.holder_id, field="holder_id")
        except ValidationFailed as error:
            raise _line_error(row.where, "holder_id", error) from None
        phone_token, phone_ciphertext = "", None
        if row.holder_phone:
            try:
                phone = normalise(IdentifierKind.PHONE, row.holder_phone, field="holder_phone")
            except ValidationFailed as error:
                raise _line_error(row.where, "holder_phone", error) from None
            phone_token = self._vault.token(phone)
            phone_ciphertext = self._vault.encrypt(phone, phone_token)
        object_token = self._vault.token(obj)
        return _Checked(
            kind,
            object_token,
            self._vault.mask(obj),
            self._vault.encrypt(obj, object_token),
            # Art 9: the ID number's keyed token and mask only; it is never encrypted for keeping.
            self._vault.token(holder),
            self._vault.mask(holder),
            phone_token,
            phone_ciphertext,
            row.where,
        )

    def check_rows(self, principal: Principal, rows: list[HoldingRow]) -> list[ValidationFailed | None]:
        """Each row's refusal (or None), changing nothing: the console's preview before an upload."""
        sector = self._institution(principal, "holding.check")
        seen: dict[str, _Checked] = {}
        outcomes: list[ValidationFailed | None] = []
        for row in rows:
            try:
                item = self._check(sector, row)
                first = seen.setdefault(item.object_token, item)
                if first.holder_token != item.holder_token:
                    raise _line_error(
                        row.where,
                        "value",
                        ValidationFailed(
                            f"同一对象在 {first.where} 已登记了另一持有人",
                            f"The same object has another holder at {first.where}",
                        ),
                    )
                outcomes.append(None)
            except ValidationFailed as error:
                outcomes.append(error)
        return outcomes

    def upload(self, principal: Principal, rows: list[HoldingRow]) -> UploadReport:
        """Declare holders in bulk: every row written (idempotent upsert), or none with the first bad one."""
        action = "holding.upload"
        sector = self._institution(principal, action)
        if not rows or len(rows) > MAX_ROWS:
            raise ValidationFailed(
                f"行数须在 1 至 {MAX_ROWS} 之间", f"Send 1 to {MAX_ROWS} rows", field="items"
            )
        checked: dict[str, _Checked] = {}
        for row in rows:
            item = self._check(sector, row)
            first = checked.get(item.object_token)
            if first is not None and first.holder_token != item.holder_token:
                raise _line_error(
                    row.where,
                    "value",
                    ValidationFailed(
                        f"同一对象在 {first.where} 已登记了另一持有人",
                        f"The same object has another holder at {first.where}",
                    ),
                )
            checked.setdefault(item.object_token, item)
        now = self._clock.now()
        created = updated = 0
        with UnitOfWork(self._sessions, self._clock) as uow:
            session = uow.session
            existing = self._existing(session, principal.org_id, list(checked))
            for token, item in checked.items():
                row_found = existing.get((item.kind.value, token))
                if row_found is None:
                    session.add(self._new(principal.org_id, item, now))
                    created += 1
                elif (
                    row_found.holder_token != item.holder_token
                    or row_found.phone_token != item.phone_token
                    or row_found.withdrawn_at is not None
                ):
                    row_found.holder_token = item.holder_token
                    row_found.holder_masked = item.holder_masked
                    row_found.phone_token = item.phone_token
                    row_found.phone_ciphertext = item.phone_ciphertext
                    row_found.withdrawn_at, row_found.updated_at = None, now
                    updated += 1
            report = UploadReport(len(rows), created, updated, len(checked) - created - updated)
            # Art 26: declaring who holds an account is processing personal information; audited.
            self._audit.record(
                session,
                actor_of(principal),
                action,
                object_type="holding",
                object_id=principal.org_id,
                source_ip=principal.source_ip,
                detail={"received": report.received, "created": created, "updated": updated},
            )
            try:
                uow.commit()
            except IntegrityError:
                # Two uploads of the same new object at once: the other one won; a retry is harmless.
                raise Conflict(
                    "同一对象正被并发登记，请重试", "The same object is being declared concurrently; retry"
                ) from None
        return report

    @staticmethod
    def _existing(session: Session, org_id: int, tokens: list[str]) -> dict[tuple[str, str], Holding]:
        """The institution's rows for `tokens`, locked, by (kind, token); one query per chunk."""
        found: dict[tuple[str, str], Holding] = {}
        for start in range(0, len(tokens), _CHUNK):
            query = (
                select(Holding)
                .where(Holding.org_id == org_id, Holding.object_token.in_(tokens[start : start + _CHUNK]))
                .with_for_update()
            )
            found.update({(h.object_kind, h.object_token): h for h in session.scalars(query)})
        return found

    @staticmethod
    def _new(org_id: int, item: _Checked, now: datetime) -> Holding:
        return Holding(
            org_id=org_id,
            object_kind=item.kind.value,
            object_token=item.object_token,
            object_masked=item.object_masked,
            object_ciphertext=item.object_ciphertext,
            holder_token=item.holder_token,
            holder_masked=item.holder_masked,
            phone_token=item.phone_token,
            phone_ciphertext=item.phone_ciphertext,
            created_at=now,
            updated_at=now,
            withdrawn_at=None,
        )

    def search(
        self,
        principal: Principal,
        *,
        kind: IdentifierKind | None = None,
        holder_token: str | None = None,
        before: int | None = None,
        limit: int = 50,
    ) -> list[Holding]:
        """The caller's own declarations in force, newest first (masked values; the read is audited)."""
        action = "holding.read"
        self._institution(principal, action)
        query = (
            select(Holding)
            .where(Holding.org_id == principal.org_id, Holding.withdrawn_at.is_(None))
            .order_by(Holding.id.desc())
            .limit(limit)
        )
        if kind is not None:
            query = query.where(Holding.object_kind == kind.value)
        if holder_token:
            # An associated order names the holder's token: the institution finds that person's accounts.
            query = query.where(Holding.holder_token == holder_token)
        if before is not None:
            query = query.where(Holding.id < before)
        with UnitOfWork(self._sessions, self._clock) as uow:
            rows = list(uow.session.scalars(query))
            self._audit.record(
                uow.session,
                actor_of(principal),
                action,
                object_type="holding",
                object_id=principal.org_id,
                source_ip=principal.source_ip,
                detail={"rows": len(rows), "holder_token": bool(holder_token)},
            )
            uow.commit()
            return rows

    def withdraw(self, principal: Principal, holding_id: int) -> None:
        """Delete one declaration of the caller's; a repeat changes nothing, another's is refused."""
        action = "holding.delete"
        self._institution(principal, action)
        with self._identity.guarded(principal), UnitOfWork(self._sessions, self._clock) as uow:
            row = uow.session.get(Holding, holding_id, with_for_update=True)
            if row is None or row.org_id != principal.org_id:
                # "Absent" and "not yours" answer alike, so ids of other institutions' rows leak nothing.
                raise refused(
                    NotFound(
                        "持有关系登记不存在或不属于本单位",
                        "No such holding for your organisation",
                        field="holding_id",
                    ),
                    action,
                    "holding",
                    holding_id,
                )
            if row.withdrawn_at is None:
                # Art 26: nothing of the holder stays once the declaration is withdrawn.
                row.holder_token, row.holder_masked = "", ""
                row.phone_token, row.phone_ciphertext = "", None
                row.withdrawn_at = row.updated_at = self._clock.now()
                self._audit.record(
                    uow.session,
                    actor_of(principal),
                    action,
                    object_type="holding",
                    object_id=row.id,
                    source_ip=principal.source_ip,
                    detail={"kind": row.object_kind},
                )
            uow.commit()
