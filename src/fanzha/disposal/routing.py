"""Who must act on an identifier: routing tables the platform admin imports from CSV, versioned."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import ValidationFailed
from fanzha.db.rows import among
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.tables import RouteEntry
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import OrgKind, Permission, Principal
from fanzha.identity.service import IdentityService, actor_of
from fanzha.identity.tables import Organisation


class RouteTable(StrEnum):
    """The routing tables (Art 13, 18, 20, 23: the institution that holds the object acts)."""

    PHONE_SEGMENT = "phone_segment"  # prefix → operator
    PORTABILITY = "portability"  # ported number → its current operator (overrides the segment)
    BANK_BIN = "bank_bin"  # card BIN → issuing bank
    PAYMENT_PLATFORM = "payment_platform"  # "alipay" → payment institution
    INTERNET_PLATFORM = "internet_platform"  # "wechat" → internet platform
    DOMAIN = "domain"  # domain (and its sub-domains) → registrar / host / access provider
    APP = "app"  # app id → app store or developer platform; "*" = every store
    REGULATOR = "regulator"  # sector (bank, payment, telecom, internet) → regulator
    WALLET = "wallet"  # wallet address → the exchange or platform that serves it (Art 33)


# CSV column holding the key, per table; every file also has org_code.  The simulator's
# phone_segments, bank_bins and platforms tables import as they are.
KEY_COLUMNS: dict[RouteTable, str] = {
    RouteTable.PHONE_SEGMENT: "prefix",
    RouteTable.PORTABILITY: "number",
    RouteTable.BANK_BIN: "bin",
    RouteTable.PAYMENT_PLATFORM: "platform",
    RouteTable.INTERNET_PLATFORM: "platform",
    RouteTable.DOMAIN: "domain",
    RouteTable.APP: "app",
    RouteTable.REGULATOR: "sector",
    RouteTable.WALLET: "address",
}
# The kind of organisation each table may point at.
TARGET_KINDS: dict[RouteTable, frozenset[OrgKind]] = {
    RouteTable.PHONE_SEGMENT: frozenset({OrgKind.TELECOM}),
    RouteTable.PORTABILITY: frozenset({OrgKind.TELECOM}),
    RouteTable.BANK_BIN: frozenset({OrgKind.BANK}),
    RouteTable.PAYMENT_PLATFORM: frozenset({OrgKind.PAYMENT}),
    RouteTable.INTERNET_PLATFORM: frozenset({OrgKind.INTERNET}),
    RouteTable.DOMAIN: frozenset({OrgKind.INTERNET, OrgKind.TELECOM}),
    RouteTable.APP: frozenset({OrgKind.INTERNET}),
    RouteTable.REGULATOR: frozenset({OrgKind.REGULATOR}),
    RouteTable.WALLET: frozenset({OrgKind.INTERNET}),
}
MAX_ROWS = 200_000
CONTACT_KINDS = frozenset({IdentifierKind.URL, IdentifierKind.DOMAIN, IdentifierKind.APP})
# Tables whose rows may carry the contact notices go to (Art 34¶1: the registrant, the developer).
CONTACT_TABLES = frozenset({RouteTable.DOMAIN, RouteTable.APP})


def _bad(zh: str, en: str, field: str = "file") -> ValidationFailed:
    return ValidationFailed(zh, en, field=field)


def _check_key(table: RouteTable, raw: str, line: int) -> str:
    key = raw.strip().lower()
    field = f"line {line}"
    ok = {
        RouteTable.PHONE_SEGMENT: key.isdigit() and 3 <= len(key) <= 7 and key.startswith("1"),
        RouteTable.BANK_BIN: key.isdigit() and 6 <= len(key) <= 8,
        RouteTable.REGULATOR: key
        in {k.value for k in (OrgKind.BANK, OrgKind.PAYMENT, OrgKind.TELECOM, OrgKind.INTERNET)},
    }.get(table)
    if ok is False:
        raise _bad(f"第 {line} 行的键「{raw}」无效", f"Line {line}: invalid key {raw!r}", field)
    try:
        if table is RouteTable.PORTABILITY:
            return normalise(IdentifierKind.PHONE, raw, field=field).value
        if table is RouteTable.DOMAIN:
            return normalise(IdentifierKind.DOMAIN, raw, field=field).value
        if table is RouteTable.WALLET:
            return normalise(IdentifierKind.WALLET, raw.strip(), field=field).value
        if table is RouteTable.APP and key != "*":
            return normalise(IdentifierKind.APP, raw.strip(), field=field).value
        if table in (RouteTable.PAYMENT_PLATFORM, RouteTable.INTERNET_PLATFORM):
            return normalise(IdentifierKind.PAYMENT_ACCOUNT, f"{key}:x", field=field).value[:-2]
    except ValidationFailed as error:
        raise _bad(f"第 {line} 行：{error.message_zh}", f"Line {line}: {error.message_en}", field) from None
    return key


_CHUNK = 5000


@dataclass(frozen=True)
class _Step:
    """One routing table and the keys to look up in it; the first step that finds an org decides."""

    table: RouteTable
    keys: list[str]
    longest: bool  # the longest matching key wins (prefixes, domain suffixes); else every match acts


def _steps(identifier: Identifier) -> list[_Step]:
    """Where the institution responsible for `identifier` is found, in order of precedence."""
    kind, value = identifier.kind, identifier.value
    if kind is IdentifierKind.PHONE:
        national = value.removeprefix("+86")
        # Number portability overrides the segment (the number moved to another operator).
        steps = [_Step(RouteTable.PORTABILITY, [value], True)]
        if national.startswith("1"):
            steps.append(_Step(RouteTable.PHONE_SEGMENT, [national[:n] for n in range(3, 8)], True))
        return steps
    if kind is IdentifierKind.BANK_CARD:
        return [_Step(RouteTable.BANK_BIN, [value[:n] for n in range(6, 9)], True)]
    if kind is IdentifierKind.PAYMENT_ACCOUNT:
        return [_Step(RouteTable.PAYMENT_PLATFORM, [value.split(":", 1)[0]], False)]
    if kind is IdentifierKind.INTERNET_ACCOUNT:
        return [_Step(RouteTable.INTERNET_PLATFORM, [value.split(":", 1)[0]], False)]
    if kind in (IdentifierKind.DOMAIN, IdentifierKind.URL):
        host = value if kind is IdentifierKind.DOMAIN else value.split("://", 1)[1].split("/", 1)[0]
        labels = host.split(":")[0].split(".")
        return [_Step(RouteTable.DOMAIN, [".".join(labels[i:]) for i in range(len(labels) - 1)], True)]
    if kind is IdentifierKind.WALLET:
        return [_Step(RouteTable.WALLET, [value], False)]
    if kind is IdentifierKind.APP:
        # An app not listed goes to every app store ("*").
        return [_Step(RouteTable.APP, [value], False), _Step(RouteTable.APP, ["*"], False)]
    return []


def _resolve(steps: list[_Step], found: dict[tuple[RouteTable, str], list[int]]) -> list[int]:
    """The organisations the first matching step names."""
    for step in steps:
        if step.longest:
            for key in sorted(step.keys, key=len, reverse=True):
                if (step.table, key) in found:
                    return found[step.table, key][:1]
        else:
            orgs = sorted({org for key in step.keys for org in found.get((step.table, key), [])})
            if orgs:
                return orgs
    return []


@dataclass(frozen=True)
class ImportReport:
    """What an import replaced."""

    table: RouteTable
    version: int
    rows: int


class RoutingService:
    """The routing tables and the resolution of an identifier to the institution(s) responsible."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._audit = auditor
        self._identity = identity
        self._vault = vault

    def _contact(self, table: RouteTable, raw: str, line: int) -> tuple[str, bytes | None]:
        """A domain's registrant or an app's developer phone (optional column `contact`), tokenised."""
        if not raw.strip() or table not in CONTACT_TABLES or self._vault is None:
            return "", None
        field = f"line {line}"
        try:
            phone = normalise(IdentifierKind.PHONE, raw, field=field)
        except ValidationFailed as error:
            raise _bad(
                f"第 {line} 行：{error.message_zh}", f"Line {line}: {error.message_en}", field
            ) from None
        token = self._vault.token(phone)
        return token, self._vault.encrypt(phone, token)

    def import_csv(self, principal: Principal, table: RouteTable | str, data: bytes) -> ImportReport:
        """Replace a table by a new version from CSV: all rows, or none with the first bad line."""
        self._identity.authorise(principal, Permission.ROUTING_MANAGE, "routing.import")
        try:
            name = RouteTable(table)
        except ValueError:
            names = ", ".join(t.value for t in RouteTable)
            raise _bad(
                f"未知的路由表：{table}", f"Unknown routing table {table!r}; use {names}", "table"
            ) from None
        try:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
            rows = list(reader)
        except (UnicodeDecodeError, csv.Error):
            raise _bad("文件须为 UTF-8 编码的 CSV", "The file must be UTF-8 CSV") from None
        key_column = KEY_COLUMNS[name]
        if (
            not reader.fieldnames
            or key_column not in reader.fieldnames
            or "org_code" not in reader.fieldnames
        ):
            raise _bad(
                f"CSV 须包含列 {key_column} 和 org_code", f"CSV needs columns {key_column} and org_code"
            )
        if not rows or len(rows) > MAX_ROWS:
            raise _bad(f"行数须在 1 至 {MAX_ROWS} 之间", f"The file needs 1 to {MAX_ROWS} rows")
        with UnitOfWork(self._sessions, self._clock) as uow:
            orgs = {o.code: o for o in uow.session.scalars(select(Organisation))}
            entries: dict[str, int] = {}
            contacts: dict[str, tuple[str, bytes | None]] = {}
            for line, row in enumerate(rows, start=2):
                # Platforms files list payment and internet platforms together; keep this table's kind.
                if name in (RouteTable.PAYMENT_PLATFORM, RouteTable.INTERNET_PLATFORM) and row.get("kind"):
                    wanted = "payment" if name is RouteTable.PAYMENT_PLATFORM else "internet"
                    if row["kind"].strip() != wanted:
                        continue
                key = _check_key(name, row.get(key_column) or "", line)
                org = orgs.get((row.get("org_code") or "").strip())
                if org is None:
                    raise _bad(
                        f"第 {line} 行：单位编码「{row.get('org_code')}」不存在",
                        f"Line {line}: unknown org_code {row.get('org_code')!r}",
                        f"line {line}",
                    )
                if OrgKind(org.kind) not in TARGET_KINDS[name]:
                    raise _bad(
                        f"第 {line} 行：该表不能指向此类单位（{org.kind}）",
                        f"Line {line}: table {name} cannot point at an organisation of kind {org.kind}",
                        f"line {line}",
                    )
                if entries.get(key, org.id) != org.id and name is not RouteTable.APP:
                    raise _bad(
                        f"第 {line} 行：键「{key}」指向了两个单位",
                        f"Line {line}: key {key!r} points at two organisations",
                        f"line {line}",
                    )
                entry = f"{key}\x00{org.id}" if name is RouteTable.APP else key
                entries[entry] = org.id
                contacts[entry] = self._contact(name, row.get("contact") or "", line)
            current = uow.session.scalar(
                select(func.max(RouteEntry.version)).where(RouteEntry.table_name == name.value)
            )
            version = (current or 0) + 1
            uow.session.execute(
                update(RouteEntry).where(RouteEntry.table_name == name.value).values(active=False)
            )
            now = self._clock.now()
            uow.session.add_all(
                RouteEntry(
                    table_name=name.value,
                    key=key.split("\x00")[0],
                    org_id=org_id,
                    version=version,
                    active=True,
                    contact_token=contacts[key][0],
                    contact_ciphertext=contacts[key][1],
                    created_at=now,
                )
                for key, org_id in entries.items()
            )
            self._audit.record(
                uow.session,
                actor_of(principal),
                "routing.import",
                object_type="routing_table",
                object_id=name.value,
                source_ip=principal.source_ip,
                detail={"version": version, "rows": len(entries)},
            )
            uow.commit()
            return ImportReport(name, version, len(entries))

    def tables(self) -> list[dict[str, object]]:
        """Per table: the active version and its number of rows."""
        with self._sessions() as session:
            rows = session.execute(
                select(RouteEntry.table_name, func.max(RouteEntry.version), func.count())
                .where(RouteEntry.active.is_(True))
                .group_by(RouteEntry.table_name)
            ).all()
        found = {r[0]: (r[1], r[2]) for r in rows}
        return [
            {
                "table": t.value,
                "version": found.get(t.value, (0, 0))[0],
                "rows": found.get(t.value, (0, 0))[1],
            }
            for t in RouteTable
        ]

    @staticmethod
    def _lookup(session: Session, table: RouteTable, keys: list[str]) -> list[tuple[str, int]]:
        rows: list[tuple[str, int]] = []
        unique = sorted(set(keys))
        for i in range(0, len(unique), _CHUNK):  # bounded IN lists: SQLite caps bound parameters
            query = (
                select(RouteEntry.key, RouteEntry.org_id)
                .where(
                    RouteEntry.table_name == table.value,
                    RouteEntry.active.is_(True),
                    among(session, RouteEntry.key, unique[i : i + _CHUNK]),
                )
                .order_by(RouteEntry.id)
            )
            rows += [(key, org_id) for key, org_id in session.execute(query)]
        return rows

    def responsible(self, session: Session, identifier: Identifier) -> list[int]:
        """The organisation ids that must act on `identifier`; empty when no table knows it."""
        return self.responsible_many(session, [identifier])[0]

    def responsible_many(self, session: Session, identifiers: list[Identifier]) -> list[list[int]]:
        """`responsible` for each identifier, with one query per routing table for the whole batch."""
        wanted = [_steps(identifier) for identifier in identifiers]
        keys: dict[RouteTable, list[str]] = {}
        for steps in wanted:
            for step in steps:
                keys.setdefault(step.table, []).extend(step.keys)
        found: dict[tuple[RouteTable, str], list[int]] = {}
        for table, table_keys in keys.items():
            for key, org_id in self._lookup(session, table, table_keys):
                found.setdefault((table, key), []).append(org_id)
        return [_resolve(steps, found) for steps in wanted]

    def contacts(self, session: Session, identifiers: list[Identifier]) -> list[tuple[str, bytes] | None]:
        """Per URL, domain or app: the registrant's or developer's phone (token, ciphertext), if held."""
        wanted = [_steps(i) if i.kind in CONTACT_KINDS else [] for i in identifiers]
        keys = {(step.table, key) for steps in wanted for step in steps for key in step.keys}
        found: dict[tuple[str, str], tuple[str, bytes]] = {}
        if keys:
            query = select(
                RouteEntry.table_name, RouteEntry.key, RouteEntry.contact_token, RouteEntry.contact_ciphertext
            ).where(
                RouteEntry.active.is_(True),
                RouteEntry.contact_token != "",
                RouteEntry.table_name.in_([t.value for t in CONTACT_TABLES]),
                among(session, RouteEntry.key, sorted({k for _, k in keys})),
            )
            for table, key, token, ciphertext in session.execute(query):
                if ciphertext is not None:
                    found.setdefault((table, key), (token, ciphertext))
        out: list[tuple[str, bytes] | None] = []
        for steps in wanted:
            ordered = [
                (step.table.value, key)
                for step in steps
                for key in (sorted(step.keys, key=len, reverse=True) if step.longest else step.keys)
            ]
            out.append(next((found[k] for k in ordered if k in found), None))
        return out

    def regulators(self, session: Session, sector: OrgKind) -> list[int]:
        """The regulator(s) of an institution's sector, told of overdue orders."""
        return [org for _, org in self._lookup(session, RouteTable.REGULATOR, [sector.value])]
