"""Live stop-payment leads from the tracing engine (issue 22 item 7, Art 35¶2): a case's confirmed
transfers traced through a transactions dataset, leads proposed where the victims' money still is,
accepted by the police (→ stop-payment through the normal path) or dismissed, audited."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, FanzhaError, NotFound, ValidationFailed
from fanzha.detect.uploads import dataset_name
from fanzha.funds.core import OPEN_STOP, Account
from fanzha.funds.domain import Deposit, Kind, refuse
from fanzha.funds.schemas import TraceRunCreate
from fanzha.funds.stops import StopStage
from fanzha.funds.tables import Instruction, Trace, TraceLead, Transfer
from fanzha.funds.trace import DEFAULT_HOPS
from fanzha.funds.trace_fast import FastTracer
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation

PROPOSED, ACCEPTED, DISMISSED, SUPERSEDED = "proposed", "accepted", "dismissed", "superseded"
# A victim's reported time is approximate: the data's row must lie this close to it (same payee, amount).
MATCH_WINDOW = timedelta(minutes=10)
COLUMNS = ("txn_id", "ts", "src_account", "dst_kind", "dst_account", "amount_fen", "channel")


@dataclass(frozen=True)
class Located:
    """Victims' money the trace locates at one account (held there, within the hops)."""

    account: str
    kind: str
    hop: int
    money: dict[int, tuple[int, datetime]]  # victim → (fen, first arrival)

    @property
    def amount(self) -> int:
        """All the victims' money there, in fen."""
        return sum(fen for fen, _ in self.money.values())


def load(root: Path, dataset: str) -> pa.Table:
    """The transactions of a dataset under `root` (refused, naming the field, when there are none)."""
    path = root / dataset_name(dataset) / "transactions.parquet"
    if not path.is_file():
        raise ValidationFailed(
            f"数据集 {dataset} 没有交易数据（transactions.parquet）",
            f"Dataset {dataset} holds no transactions (transactions.parquet)",
            field="dataset",
        )
    return pq.read_table(path, columns=list(COLUMNS))


def match_seeds(table: pa.Table, transfers: list[tuple[int, str, int, datetime]]) -> list[tuple[int, int]]:
    """(victim, txn_id) for each reported transfer (victim, payee, fen, time): the row paying that payee
    that amount nearest in time, within MATCH_WINDOW, each row used once."""
    seeds: list[tuple[int, int]] = []
    used: set[int] = set()
    for victim, payee, fen, at in transfers:
        rows = table.filter(
            pc.and_(pc.equal(table["dst_account"], payee), pc.equal(table["amount_fen"], fen))
        ).select(["txn_id", "ts"])
        best: tuple[timedelta, int] | None = None
        for r in rows.to_pylist():
            gap = abs(as_utc(r["ts"]) - as_utc(at))
            if gap <= MATCH_WINDOW and r["txn_id"] not in used and (best is None or gap < best[0]):
                best = (gap, int(r["txn_id"]))
        if best is not None:
            used.add(best[1])
            seeds.append((victim, best[1]))
    return seeds


def locate(table: pa.Table, seeds: list[tuple[int, int]], hops: int, as_of: datetime) -> list[Located]:
    """Where the victims' money is still held (FIFO trace, `fanzha.funds.trace_fast`), per account."""
    if not seeds:
        return []
    # One hop more than asked: money held at the last hop's account is known held only once its onward
    # transfers were looked at.
    result = FastTracer(table, as_of=as_of).trace(seeds, hops + 1)
    first: dict[tuple[int, str], datetime] = {}
    for r in result.arrivals.to_pylist():
        key = (int(r["victim_id"]), str(r["account"]))
        at = as_utc(r["first_ts"])
        first[key] = min(first.get(key, at), at)
    money: dict[str, dict[int, tuple[int, datetime]]] = defaultdict(dict)
    hop: dict[str, int] = {}
    for r in result.located.to_pylist():
        if r["kind"] != "account" or r["status"] != "held" or r["hop"] > hops:
            continue  # cashed out, or beyond the hops: not stoppable at an account
        a, v = str(r["account"]), int(r["victim_id"])
        fen, _ = money[a].get(v, (0, first[(v, a)]))
        money[a][v] = (fen + int(r["amount_fen"]), first[(v, a)])
        hop[a] = min(hop.get(a, hops), int(r["hop"]))
    kinds = _kinds(table, list(money))
    return [Located(a, kinds.get(a, ""), hop[a], m) for a, m in money.items()]


def _kinds(table: pa.Table, accounts: list[str]) -> dict[str, str]:
    """Each account's kind as the data gives it when paid into."""
    if not accounts:
        return {}
    rows = table.filter(pc.is_in(table["dst_account"], value_set=pa.array(accounts, pa.string())))
    names = rows["dst_account"].to_pylist()
    kinds = rows["dst_kind"].cast(pa.string()).to_pylist()
    return dict(zip(names, kinds, strict=True))


class LeadStage(StopStage):
    """Trace runs proposing stop-payment leads; the police accept or dismiss them (Art 35¶2)."""

    def trace_case(
        self, principal: Principal, case_id: int, data: TraceRunCreate, root: Path
    ) -> list[TraceLead]:
        """Trace the case's transfers through a dataset; the case's open proposals give way to the new."""
        self._police(principal, "funds.trace.run")
        hops = data.hops or self.max_hops
        if hops > DEFAULT_HOPS:  # Art 35¶2: the money is followed within the hops the engine is held to
            raise refuse(
                "trace.lead_bound", "hops", f"至多 {DEFAULT_HOPS} 跳", f"at most {DEFAULT_HOPS} hops"
            )
        now = self.clock.now()
        with self._work(principal) as session:
            case = self._case(session, principal, case_id, "funds.trace.run")
            if case.confirmed_at is None:
                raise refuse(
                    "intake.confirmed", "case_id", "请先确认该报案", "confirm the report first", Conflict
                )
            folder, source = self._source(session, root, data.org_id)
            table = load(folder, data.dataset)
            transfers = [
                (
                    t.victim_id,
                    self.vault.decrypt(t.payee_kind, t.payee_token, t.payee_ciphertext).value,
                    t.amount_fen,
                    as_utc(t.at),
                )
                for t in session.scalars(
                    select(Transfer).where(Transfer.case_id == case_id).order_by(Transfer.id)
                )
            ]
            seeds = match_seeds(table, transfers)
            found = locate(table, seeds, hops, now)
            stopped = set(
                session.scalars(
                    select(Instruction.account_token).where(
                        Instruction.case_id == case_id,
                        Instruction.kind == Kind.STOP_PAYMENT,
                        Instruction.status.in_(OPEN_STOP),
                    )
                )
            )
            for old in session.scalars(
                select(TraceLead).where(TraceLead.case_id == case_id, TraceLead.status == PROPOSED)
            ):
                old.status, old.decided_at, old.decided_by = SUPERSEDED, now, principal.username
            run = uuid.uuid4().hex
            leads: list[TraceLead] = []
            for spot in sorted(found, key=lambda s: (-s.amount, s.hop, s.account)):
                if spot.amount < data.min_fen:
                    continue
                acc = self._identified(spot)
                if acc is None or acc.token in stopped:
                    continue  # an account no identifier fits, or stopped already
                lead = TraceLead(
                    case_id=case_id,
                    run=run,
                    dataset=data.dataset,
                    source_org_id=source,
                    account_kind=str(acc.identifier.kind),
                    account_token=acc.token,
                    account_masked=acc.masked,
                    account_ciphertext=acc.ciphertext,
                    hop=spot.hop,
                    amount_fen=spot.amount,
                    victims=json.dumps(
                        [
                            {"victim_id": v, "amount_fen": fen, "arrived_at": at.isoformat()}
                            for v, (fen, at) in sorted(spot.money.items())
                        ]
                    ),
                    status=PROPOSED,
                    created_by=principal.username,
                    created_at=now,
                    decided_by="",
                    reason="",
                )
                session.add(lead)
                leads.append(lead)
            session.flush()
            self._audit(
                session,
                principal,
                "funds.trace.run",
                "funds_case",
                case_id,
                run=run,
                dataset=data.dataset,
                source_org_id=source,
                hops=hops,
                seeds=len(seeds),
                transfers=len(transfers),
                leads=[lead.id for lead in leads],
            )
            session.commit()
            return leads

    def _source(self, session: Session, root: Path, org_id: int | None) -> tuple[Path, int | None]:
        """The platform's data root, or the folder an institution's uploads are stored in."""
        if org_id is None:
            return root, None
        org = session.get(Organisation, org_id)
        if org is None:
            raise ValidationFailed("机构不存在", "No such organisation", field="org_id")
        return root / org.code, org.id

    def _identified(self, spot: Located) -> Account | None:
        """The located account as the vault keeps it, or None when no identifier kind fits it."""
        kind = IdentifierKind.PAYMENT_ACCOUNT if spot.kind == "payment_account" else IdentifierKind.BANK_CARD
        try:
            return self.account(kind, spot.account, "account")
        except FanzhaError:
            return None

    def leads(self, principal: Principal, case_id: int) -> list[TraceLead]:
        """A case's leads, newest run first (police only: institutions and victims never see them)."""
        with self._sessions() as session:
            self._case(session, principal, case_id, "funds.lead.read")
            query = select(TraceLead).where(TraceLead.case_id == case_id)
            return list(session.scalars(query.order_by(TraceLead.id.desc())))

    def _lead(self, session: Session, principal: Principal, lead_id: int, action: str) -> TraceLead:
        lead = session.get(TraceLead, lead_id, with_for_update=True)
        if lead is None or not principal.org_kind.is_police:
            raise refused(
                NotFound("线索不存在", "No such lead", field="lead_id"), action, "funds_trace_lead", lead_id
            )
        if lead.status != PROPOSED:
            raise Conflict(f"该线索已{lead.status}", f"The lead is {lead.status} already", field="lead_id")
        return lead

    def accept_lead(self, principal: Principal, lead_id: int, org_id: int | None) -> Instruction:
        """Stop-payment on the lead's account, for the victims' money traced there (Art 35¶2, Art 18¶4)."""
        self._police(principal, "funds.lead.accept")
        now = self.clock.now()
        with self._work(principal) as session:
            lead = self._lead(session, principal, lead_id, "funds.lead.accept")
            open_stop = session.scalar(
                select(Instruction.id).where(
                    Instruction.case_id == lead.case_id,
                    Instruction.kind == Kind.STOP_PAYMENT,
                    Instruction.account_token == lead.account_token,
                    Instruction.status.in_(OPEN_STOP),
                )
            )
            if open_stop is not None:
                raise Conflict(
                    f"该账户已有止付指令 {open_stop}",
                    f"Stop-payment {open_stop} already open on the account",
                    field="lead_id",
                )
            # The traced money becomes the account's traceability (stop and freeze caps, returns by time),
            # unless the institutions' receipts traced it there already.
            if not self.traced(session, lead.case_id, lead.account_token):
                for v in lead_victims(lead):
                    session.add(
                        Trace(
                            case_id=lead.case_id,
                            victim_id=v.victim_id,
                            account_token=lead.account_token,
                            hop=lead.hop,
                            amount_fen=v.amount,
                            arrived_at=v.at,
                        )
                    )
                session.flush()
            amount = min(
                lead.amount_fen, sum(self.traced(session, lead.case_id, lead.account_token).values())
            )
            identifier = self.vault.decrypt(lead.account_kind, lead.account_token, lead.account_ciphertext)
            org = self._route(session, identifier, org_id)
            row = self._issue_stop(
                session,
                principal,
                case_id=lead.case_id,
                org=org,
                kind=lead.account_kind,
                token=lead.account_token,
                masked=lead.account_masked,
                ciphertext=lead.account_ciphertext,
                amount=amount,
                hop=lead.hop,
                parent_id=None,
                reason=f"资金追踪线索 {lead.id}（第 {lead.hop} 跳）",
            )
            lead.status, lead.instruction_id = ACCEPTED, row.id
            lead.decided_by, lead.decided_at = principal.username, now
            self._audit(
                session,
                principal,
                "funds.lead.accept",
                "funds_trace_lead",
                lead.id,
                instruction_id=row.id,
                amount_fen=amount,
                org_id=org.id if org else None,
            )
            session.commit()
            return row

    def dismiss_lead(self, principal: Principal, lead_id: int, reason: str) -> TraceLead:
        """The police find nothing to stop there; the lead ends, with the reason, audited."""
        self._police(principal, "funds.lead.dismiss")
        with self._work(principal) as session:
            lead = self._lead(session, principal, lead_id, "funds.lead.dismiss")
            lead.status, lead.reason = DISMISSED, reason
            lead.decided_by, lead.decided_at = principal.username, self.clock.now()
            self._audit(session, principal, "funds.lead.dismiss", "funds_trace_lead", lead.id, reason=reason)
            session.commit()
            return lead


def lead_victims(lead: TraceLead) -> list[Deposit]:
    """The victims' money a lead located, as deposits traceable by time (Art 35: returns by time)."""
    return [
        Deposit(int(v["victim_id"]), as_utc(datetime.fromisoformat(v["arrived_at"])), int(v["amount_fen"]))
        for v in json.loads(lead.victims)
    ]


def traced_deposits(session: Session, case_id: int, token: str) -> list[Deposit]:
    """Deposits of the case's victims traceable by time at an account the tracing engine located."""
    leads = session.scalars(
        select(TraceLead).where(
            TraceLead.case_id == case_id, TraceLead.account_token == token, TraceLead.status == ACCEPTED
        )
    )
    return [d for lead in leads for d in lead_victims(lead)]
