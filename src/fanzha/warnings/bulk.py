"""Bulk signal intake (12381 contact lists, Art 28¶2 及时): one set-based pass for people with no episode.

A new sample number's 50,000 contacts must all be texted within seconds. The one-by-one path spends a
few statements per person; here the whole list costs a few statements per table: which refs were seen,
which people exist (locked, in token order as the one-by-one path locks them), which have an episode in
the window. People with no episode in the window (nearly all of a 12381 list) get their new warning,
signal, text or call task and contact state in bulk INSERTs; the rest (a signal joining or merging an
episode, a payer to delay, a person with no phone to find, a row another batch inserted meanwhile) go
through the one-by-one path in the same transaction, so every rule stays the single path's: one warning
per person and episode, no second text within the quiet period, levels only rise (property tested).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, MetaData, String, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from fanzha.audit.service import Actor
from fanzha.db.base import UTCDateTime
from fanzha.db.bulk import insert_rows
from fanzha.db.engine import reserve_ids
from fanzha.db.rows import among
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.tables import Organisation
from fanzha.warnings import domain, texts
from fanzha.warnings.domain import Channel, Contacted, Level, TaskStatus
from fanzha.warnings.people import sender_county
from fanzha.warnings.service import OPEN, Ingested, Prepared, WarningService
from fanzha.warnings.tables import Warning_, WarnPerson, WarnSignal, WarnSms, WarnTask

CHUNK = 5_000  # values per IN list on SQLite (its limit is 32,766 parameters); one array on PostgreSQL
RESERVE = text(
    "SELECT array_agg(nextval(q.s)) FROM (SELECT pg_get_serial_sequence(:t, 'id')::regclass AS s) AS q,"
    " generate_series(1, :n)"
)
SEP = "\x1f"
EPISODES = text(
    "SELECT t.token FROM unnest(string_to_array(CAST(:tokens AS TEXT), CAST(:sep AS TEXT))) AS t(token)"
    " CROSS JOIN LATERAL (SELECT 1 FROM warn_warnings AS w WHERE w.person_token = t.token"
    " AND w.status != 'merged' AND w.first_at < :until AND w.last_at > :since LIMIT 1) AS hit"
).bindparams(bindparam("since", type_=UTCDateTime()), bindparam("until", type_=UTCDateTime()))
COPY_OVER = 256  # new people above which PostgreSQL takes them by COPY (below, one statement of arrays)


def _chunks(session: Session, values: Sequence[Any]) -> Iterator[list[Any]]:
    """The values in IN lists SQLite takes; on PostgreSQL all at once (`among` sends one array)."""
    step = (len(values) or 1) if session.get_bind().dialect.name == "postgresql" else CHUNK
    for k in range(0, len(values), step):
        yield list(values[k : k + step])


def _among(session: Session, column: Any, values: list[str]) -> Any:
    """`column IN values`; a long list on PostgreSQL as one text split by the server.

    psycopg dumps a text array element by element in Python (a quoting check each, about 5 µs): for
    50,000 tokens, a tenth of a second per look-up. Joined by the unit separator, which tokens and the
    refs of a list never hold; a value that does holds the list to `among`.
    """
    if (
        len(values) <= COPY_OVER
        or session.get_bind().dialect.name != "postgresql"
        or any(SEP in v for v in values)
    ):
        return among(session, column, values)
    joined = bindparam(None, SEP.join(values), type_=String())
    return column.in_(select(func.unnest(func.string_to_array(joined, SEP))))


@dataclass
class _Fast:
    """One signal of the set-based pass: its person (row or new values), warning and contact."""

    p: Prepared
    ref: str
    at: datetime
    person: WarnPerson | None
    new_person: dict[str, Any] | None = None
    channel: Channel | None = None  # a new person's contact, decided with their row


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def intake(
    service: WarningService,
    session: Session,
    principal: Principal,
    org: Organisation | None,
    actor: Actor,
    prepared: list[Prepared],
    now: datetime,
    known: dict[str, str],
) -> list[Ingested]:
    """Results in request order; the caller audits and commits."""
    out: list[Ingested | None] = [None] * len(prepared)
    ordered = sorted(prepared, key=lambda p: (p[2], p[0]))
    refs = {p[0]: f"{principal.org_id}:{p[1].ref}" for p in ordered}
    seen = _seen(session, sorted(set(refs.values())))
    tokens = sorted({p[2] for p in ordered})
    people = _people(session, tokens)
    window = service.deadlines.window
    ats = [min(p[1].at or now, now) for p in ordered]
    busy = _with_episode(session, tokens, min(ats) - window, max(ats) + window)
    firsts: dict[str, int] = {}  # ref → index of the signal that carries it (a repeat is a duplicate)
    per_token: dict[str, int] = {}
    for p in ordered:
        per_token[p[2]] = per_token.get(p[2], 0) + 1
    fast: list[_Fast] = []
    slow: list[Prepared] = []
    repeats: list[tuple[int, str]] = []
    slow_refs: set[str] = set()
    for p, at in zip(ordered, ats, strict=True):
        i, item, token, _, payer = p
        ref = refs[i]
        if ref in seen:
            warning_id, level = seen[ref]
            out[i] = Ingested(warning_id, level, "duplicate")
            continue
        if ref in firsts:
            if ref in slow_refs:  # in turn with its first's person's signals, as one by one: the level then
                slow.append(p)
            else:  # the first's person has that signal alone: its level at the end is the level then
                repeats.append((i, ref))
            continue
        firsts[ref] = i
        person = people.get(token)
        simple = (
            per_token[token] == 1
            and payer is None
            and p[3].level is not Level.EXTRA_HIGH  # the visit and bank delay at once: one by one
            and token not in busy
            and (person is not None or item.phone is not None)
        )
        if simple:
            fast.append(_Fast(p, ref, at, person))
        else:
            slow.append(p)
            slow_refs.add(ref)
    _new_people(service, session, fast, now)
    raced = [f for f in fast if f.person is None and f.new_person is None]
    slow.extend(f.p for f in raced)
    fast = [f for f in fast if f.person is not None or f.new_person is not None]
    for i, item, token, grade, payer in sorted(slow, key=lambda p: (p[2], p[0])):
        out[i] = service._one(session, principal, org, actor, i, item, token, grade, payer, now, known)
    _write(service, session, principal, org, fast, now, known, out)
    for i, ref in repeats:
        first = out[firsts[ref]]
        assert first is not None
        row = session.get(Warning_, first.warning_id)
        out[i] = Ingested(first.warning_id, row.level if row else first.level, "duplicate")
    return [r for r in out if r is not None]


def _seen(session: Session, refs: list[str]) -> dict[str, tuple[int, str]]:
    """Refs already taken: the warning each joined (followed through a merge) and its level now."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(session, refs):
        rows = session.execute(
            select(WarnSignal.source_ref, Warning_.id, Warning_.merged_into_id, Warning_.level)
            .join(Warning_, Warning_.id == WarnSignal.warning_id)
            .where(_among(session, WarnSignal.source_ref, chunk))
        ).all()
        for ref, wid, into, level in rows:
            found[ref] = (into or wid, level)
    return found


def _people(session: Session, tokens: list[str]) -> dict[str, WarnPerson]:
    """The people of the batch who are known, locked in token order (as the one-by-one path locks them)."""
    found: dict[str, WarnPerson] = {}
    for chunk in _chunks(session, tokens):
        rows = session.scalars(
            select(WarnPerson)
            .where(_among(session, WarnPerson.person_token, chunk))
            .order_by(WarnPerson.person_token)
            .with_for_update()
        )
        found.update((r.person_token, r) for r in rows)
    return found


def _with_episode(session: Session, tokens: list[str], since: datetime, until: datetime) -> set[str]:
    """People with a warning (not merged) that could overlap a signal of the batch: the one-by-one path's."""
    busy: set[str] = set()
    if session.get_bind().dialect.name == "postgresql" and tokens and not any(SEP in t for t in tokens):
        # Token by token down the (person_token, last_at) index: as a semi-join the planner scanned
        # every warning for each burst batch once a 50,000 list was in (65 ms a batch).
        return set(
            session.scalars(
                EPISODES,
                {"tokens": SEP.join(tokens), "sep": SEP, "since": since, "until": until},
            )
        )
    for chunk in _chunks(session, tokens):
        busy.update(
            session.scalars(
                select(Warning_.person_token).where(
                    _among(session, Warning_.person_token, chunk),
                    Warning_.status != "merged",
                    Warning_.first_at < until,
                    Warning_.last_at > since,
                )
            )
        )
    return busy


def _new_people(service: WarningService, session: Session, fast: list[_Fast], now: datetime) -> None:
    """Insert the people nobody knew, with the phone the list gives; a row another batch won goes slow."""
    rows: list[dict[str, Any]] = []
    decided: dict[Level, tuple[Channel | None, Contacted]] = {}
    for f in fast:
        i, item, token, _, _ = f.p
        if f.person is None:
            assert item.phone is not None
            identifier, ptoken = service.vault.token_of(
                IdentifierKind.PHONE, item.phone, field=f"items.{i}.phone"
            )
            region = item.region_code
            f.new_person = {
                "person_token": token, "masked": "", "grid_code": None,
                "county_code": region[:6] if region and region.isdigit() and len(region) >= 6 else None,
                "phone_token": ptoken, "phone_masked": service.vault.mask(identifier),
                "phone_ciphertext": service.vault.encrypt(identifier, ptoken), "registered": False,
                "updated_at": now,
            }  # fmt: skip
            # A person nobody knew was never warned: the contact decided now goes in with the row.
            level = f.p[3].level
            if level not in decided:  # the same for every new person at a level
                decided[level] = domain.decide(Contacted(), level, now, service.deadlines)
            f.channel, after = decided[level]
            f.new_person |= {
                "warned_level": str(after.level) if after.level else None,
                "warned_at": after.at,
                "last_sms_at": after.last_sms,
            }
            rows.append(f.new_person)
        elif item.phone is not None and not f.person.registered:
            # As the one-by-one path: an unregistered person's phone is the latest list's.
            identifier, ptoken = service.vault.token_of(
                IdentifierKind.PHONE, item.phone, field=f"items.{i}.phone"
            )
            f.person.phone_token, f.person.phone_masked = ptoken, service.vault.mask(identifier)
            f.person.phone_ciphertext = service.vault.encrypt(identifier, ptoken)
    _flush_people(session, [f.person for f in fast if f.person is not None])
    if not rows:
        return
    ours = _insert_people(session, rows)
    for f in fast:
        if f.new_person is not None and f.new_person["person_token"] not in ours:
            f.new_person = None  # another batch inserted this person since: the slow path waits for its lock


def _insert_people(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the people unless present; the tokens this statement inserted (not another batch's).

    PostgreSQL: one INSERT … SELECT from a column array each … ON CONFLICT DO NOTHING RETURNING, where
    an executemany would send a statement a row. SQLite: one executemany (in process, no round trips;
    RETURNING there goes a row at a time), and a row another batch inserted first (it waited for that
    batch to end) told apart by its values: not our phone token and time.
    """
    table = _table(WarnPerson)
    columns = list(rows[0])
    if session.get_bind().dialect.name == "postgresql" and len(rows) > COPY_OVER:
        return _copy_people(session, table, rows)
    if session.get_bind().dialect.name == "postgresql":
        arrays = select(
            *(
                func.unnest(bindparam(f"a_{c}", [r[c] for r in rows], type_=ARRAY(table.c[c].type)))
                for c in columns
            )
        )
        statement = (
            pg_insert(table)
            .from_select(columns, arrays)
            .on_conflict_do_nothing()
            .returning(table.c.person_token)
        )
        return set(session.execute(statement).scalars())
    _sqlite_insert_missing(session, table, rows)
    now = rows[0]["updated_at"]
    mine = {r["person_token"]: r["phone_token"] for r in rows}
    ours: set[str] = set()
    for chunk in _chunks(session, sorted(mine)):
        for token, phone, at in session.execute(
            select(WarnPerson.person_token, WarnPerson.phone_token, WarnPerson.updated_at).where(
                _among(session, WarnPerson.person_token, chunk)
            )
        ):
            if phone == mine[token] and at == now:
                ours.add(token)
    return ours


def _write(
    service: WarningService,
    session: Session,
    principal: Principal,
    org: Organisation | None,
    fast: list[_Fast],
    now: datetime,
    known: dict[str, str],
    out: list[Ingested | None],
) -> None:
    """New warnings, their signals, texts and call tasks, and the people's contact state, in bulk."""
    if not fast:
        return
    desk = sender_county(org)  # as the one-by-one path: the unplaced go to the sender's county desk
    warnings: list[dict[str, Any]] = []
    # A list's signals share a few fraud numbers, reason texts and templates: each worked out once.
    tails: dict[str, str] = {}
    reasons: dict[tuple[str, ...], str] = {}
    rendered: dict[tuple[str, str], str] = {}
    for f in fast:
        _, item, token, grade, _ = f.p
        county, grid = _where(f)
        county = county or desk
        if item.fraud_number not in tails:
            tails[item.fraud_number] = texts.tail_of(item.fraud_number)
        if grade.reasons_zh not in reasons:
            reasons[grade.reasons_zh] = json.dumps(list(grade.reasons_zh), ensure_ascii=False)
        warnings.append(
            {
                "person_token": token, "level": str(grade.level), "status": OPEN,
                "scam_type": str(item.scam_type), "contact_tail": tails[item.fraud_number],
                "county_code": county, "grid_code": grid, "reasons": reasons[grade.reasons_zh],
                "first_at": f.at, "last_at": f.at, "merged_into_id": None, "first_contact_at": None,
                "outcome": None, "outcome_at": None, "created_at": now, "updated_at": now,
            }
        )  # fmt: skip
    known_people = [f.person for f in fast if f.person is not None]
    _flush_people(session, known_people)  # the counties `_where` gave
    ids = _with_ids(session, Warning_, warnings)
    insert_rows(session.connection(), _table(Warning_), warnings)
    signals, sms, tasks, events = [], [], [], []
    calls: list[Ingested] = []  # the results whose call task is in `tasks`, in its order
    for f, wid, w in zip(fast, ids, warnings, strict=True):
        i, item, token, grade, _ = f.p
        signals.append(
            {
                "warning_id": wid, "kind": str(item.kind), "person_token": token, "at": f.at,
                "level": str(grade.level), "reasons": w["reasons"], "source_org_id": principal.org_id,
                "source_ref": f.ref[:100], "engine": item.engine[:64], "engine_version": item.engine_version,
                "run_id": item.run_id, "alert_id": item.alert_id, "sample_id": item.sample_id,
                "received_at": now,
            }
        )  # fmt: skip
        after: Contacted | None = None
        if f.new_person is not None:
            channel = f.channel  # decided with the row
        else:
            channel, after = domain.decide(_state(f), grade.level, now, service.deadlines)
        phone = (
            f.new_person["phone_ciphertext"]
            if f.new_person
            else (f.person.phone_ciphertext if f.person else None)
        )
        action = "quiet" if channel is None else "sms" if channel is Channel.SMS else "call"
        if action == "sms" and not phone:
            action, channel = "no_phone", None
        result = Ingested(wid, w["level"], action)
        if channel is Channel.SMS:
            key = (w["scam_type"], w["contact_tail"])
            if key not in rendered:
                template = known.get(w["scam_type"], texts.DEFAULT_TEMPLATES["other"])
                rendered[key] = texts.render(template, w["contact_tail"])
            sms.append(
                {
                    "warning_id": wid, "person_token": token, "phone_token": _phone_token(f),
                    "phone_ciphertext": phone, "text": rendered[key],
                    "queued_at": now, "sent_at": None, "attempts": 0,
                }
            )  # fmt: skip
        elif channel is Channel.CALL:
            level = Level(w["level"])
            tasks.append(
                {
                    "warning_id": wid, "channel": str(Channel.CALL), "level": str(level),
                    "status": str(TaskStatus.NEW), "county_code": w["county_code"], "township_code": None,
                    "grid_code": None, "widened": False, "assignee_id": None, "assignee": "",
                    "due_at": now + service.deadlines.due(Channel.CALL, level), "accepted_at": None,
                    "done_at": None, "outcome": None, "note": "", "escalated_from_id": None,
                    "created_at": now, "updated_at": now,
                }
            )  # fmt: skip
            calls.append(result)
        if channel is not None and after is not None:
            _contacted(f, after, now)
        out[i] = result
        events.append(
            {"warning_id": wid, "level": w["level"], "kind": str(item.kind), "action": result.action}
        )
    _flush_people(session, known_people)  # their contact state
    if tasks:
        for r, task_id in zip(calls, _with_ids(session, WarnTask, tasks), strict=True):
            r.task_id = task_id
    connection = session.connection()
    for model, rows in ((WarnSignal, signals), (WarnSms, sms), (WarnTask, tasks)):
        insert_rows(connection, _table(model), rows)  # COPY on PostgreSQL
    for payload in events:
        outbox.record(session, service.clock, "warnings.signal", payload)


def _sqlite_insert_missing(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """SQLite: one executemany of INSERT … ON CONFLICT DO NOTHING straight to the driver.

    Through SQLAlchemy each row's parameters are built and processed one by one (a third of the list's
    time); here each column's bind processor runs once per distinct value, as `db.bulk.insert_rows`.
    """
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    caches: list[dict[Any, Any]] = [{} for _ in columns]
    params = []
    for row in rows:
        values = []
        for c, process, cache in zip(columns, processors, caches, strict=True):
            value = row[c]
            if process is not None and value is not None and not isinstance(value, bytes):
                if value not in cache:
                    cache[value] = process(value)
                value = cache[value]
            values.append(value)
        params.append(tuple(values))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - our names
        f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT DO NOTHING"
    )
    connection.exec_driver_sql(sql, params)


def _copy_people(session: Session, table: Table, rows: list[dict[str, Any]]) -> set[str]:
    """A long list's people: COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT RETURNING.

    psycopg dumps a text array element by element in Python (a quoting check each): for 50,000 people
    of 13 columns, COPY's rows cost a quarter of that. In token order, as the one-by-one path locks them.
    """
    columns = list(rows[0])
    staging = Table("warn_people_in", MetaData(), *(Column(c, table.c[c].type) for c in columns))
    session.execute(
        text("CREATE TEMPORARY TABLE warn_people_in (LIKE warn_people INCLUDING DEFAULTS) ON COMMIT DROP")
    )
    insert_rows(session.connection(), staging, rows)
    picked = select(*(staging.c[c] for c in columns)).order_by(staging.c.person_token)
    statement = (
        pg_insert(table).from_select(columns, picked).on_conflict_do_nothing().returning(table.c.person_token)
    )
    return set(session.execute(statement).scalars())


def _flush_people(session: Session, people: list[WarnPerson]) -> None:
    """Known people's changed columns: one UPDATE per set of changed columns, not one per person.

    PostgreSQL: UPDATE … FROM the new values as column arrays; SQLite: one executemany (in process).
    The rows are then clean for the ORM, which would otherwise send an UPDATE per person at the flush.
    """
    table = _table(WarnPerson)
    groups: dict[tuple[str, ...], list[WarnPerson]] = {}
    for person in people:
        changed = tuple(sorted(k for k in inspect(person).committed_state if k in table.c))
        if changed:
            groups.setdefault(changed, []).append(person)
    postgres = session.get_bind().dialect.name == "postgresql"
    for columns, group in groups.items():
        if postgres:
            values = select(
                *(
                    func.unnest(
                        bindparam(f"a_{c}", [getattr(p, c) for p in group], type_=ARRAY(table.c[c].type))
                    ).label(c)
                    for c in ("person_token", *columns)
                )
            ).subquery()
            session.execute(
                update(table)
                .where(table.c.person_token == values.c.person_token)
                .values({c: values.c[c] for c in columns})
            )
        else:
            statement = (
                update(table)
                .where(table.c.person_token == bindparam("key", type_=table.c.person_token.type))
                .values({c: bindparam(f"new_{c}", type_=table.c[c].type) for c in columns})
            )
            session.execute(
                statement,
                [{"key": p.person_token, **{f"new_{c}": getattr(p, c) for c in columns}} for p in group],
            )
        for person in group:
            for c in columns:
                set_committed_value(person, c, getattr(person, c))


def _with_ids(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Give the rows their ids before the insert, so none is read back (the sequence's, or max + 1 on SQLite).

    Not INSERT … RETURNING: on SQLite that goes a row at a time. The ORM's pending rows go first, so
    SQLite's max(id), taken under the write lock every transaction holds, counts them.
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # The sequence's next values as one array: a row each costs psycopg more than the nextval.
        drawn = session.scalar(RESERVE, {"t": _table(model).name, "n": len(rows)})
        ids = sorted(int(i) for i in drawn)
    else:
        ids = reserve_ids(session, _table(model), len(rows))
    assert len(ids) == len(rows), "the table's id has a sequence"
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    return ids


def _where(f: _Fast) -> tuple[str | None, str | None]:
    """The county and grid a new warning is handled in: the person's (a new person's from the list)."""
    if f.new_person is not None:
        return f.new_person["county_code"], None
    assert f.person is not None
    region = f.p[1].region_code
    if (
        region
        and not f.person.grid_code
        and not f.person.county_code
        and region.isdigit()
        and len(region) >= 6
    ):
        f.person.county_code = region[
            :6
        ]  # as the one-by-one path: the signal's region for a person with none
    return f.person.county_code, f.person.grid_code


def _state(f: _Fast) -> Contacted:
    if f.person is None:
        return Contacted()
    p = f.person
    return Contacted(Level(p.warned_level) if p.warned_level else None, p.warned_at, p.last_sms_at)


def _phone_token(f: _Fast) -> str:
    if f.new_person is not None:
        return str(f.new_person["phone_token"])
    assert f.person is not None
    return f.person.phone_token


def _contacted(f: _Fast, after: Contacted, now: datetime) -> None:
    """A known person's contact state after this contact (a new person's row went in with it)."""
    if f.person is not None:
        level = str(after.level) if after.level else None
        f.person.warned_level, f.person.warned_at, f.person.last_sms_at = level, after.at, after.last_sms
        f.person.updated_at = now
