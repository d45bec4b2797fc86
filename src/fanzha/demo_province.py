"""Load a synthetic province (`fanzha sim generate`) into the platform for the demo."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import func, select

from fanzha.appeals.tables import Appeal
from fanzha.bootstrap import Platform
from fanzha.demo import AFC, OrgSeed, seed_organisations
from fanzha.disposal.domain import OPEN, OrderStatus
from fanzha.disposal.holdings import HoldingRow
from fanzha.disposal.notices import MemoryNotifier
from fanzha.disposal.policy import drain
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.events.dispatcher import Dispatcher
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation

# Personal ID numbers stay with the operators (Art 9); the demo shares the rest.
SHARED_KINDS = {
    "phone",
    "bank_card",
    "payment_account",
    "internet_account",
    "url",
    "domain",
    "app",
    "imei",
    "ip",
    "wallet",
}
POLICE_SHARE = 7  # out of 10: the police already know most, detection finds the rest
REPORTS_PER_BANK = 3


@dataclass(frozen=True)
class Loaded:
    """What the demo load added."""

    organisations: int
    routes: int
    samples: int
    reports: int
    orders: int
    appeals: int
    holdings: int = 0


def _principal(platform: Platform, code: str, role: Role) -> Principal:
    with platform.sessions() as session:
        org = session.scalars(select(Organisation).where(Organisation.code == code)).one()
        return Principal(None, f"demo:{code}", org.id, OrgKind(org.kind), role, source_ip="demo")


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["kind", "value", "fraud_type", "confidence", "evidence", "region_code"]
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def load_province(platform: Platform, directory: Path) -> Loaded:
    """Organisations, then a first batch of samples from the ground truth (police publish most)."""
    orgs = pq.read_table(directory / "organisations.parquet").to_pylist()
    # Parents before children, so every parent code exists when its child is inserted.
    depth = {o["code"]: 0 for o in orgs}
    parents = {o["code"]: o["parent_code"] for o in orgs}
    for code in depth:
        parent, steps = parents[code], 0
        while parent is not None and steps < 10:
            parent, steps = parents.get(parent), steps + 1
        depth[code] = steps
    seeds = tuple(
        OrgSeed(o["code"], o["name_zh"], o["name_en"], OrgKind(o["kind"]), o["region_code"], o["parent_code"])
        for o in sorted(orgs, key=lambda o: depth[o["code"]])
    )
    added = seed_organisations(platform, seeds)
    routes = _load_routing(platform, directory)
    # Before the samples, so linked disposal reaches the mule cards' holders at the payment institutions.
    holdings = _load_holdings(platform, directory)
    scam_of = {
        g["group_id"]: g["scam_type"] for g in pq.read_table(directory / "label_groups.parquet").to_pylist()
    }
    objects = [
        o
        for o in pq.read_table(directory / "label_objects.parquet").to_pylist()
        if o["object_kind"] in SHARED_KINDS
    ]
    police_rows: list[dict[str, str]] = []
    bank_rows: list[dict[str, str]] = []
    for index, obj in enumerate(objects):
        row = {
            "kind": obj["object_kind"],
            "value": obj["identifier"],
            "fraud_type": scam_of.get(obj["group_id"], "other"),
            "confidence": "85",
            "evidence": f"合成省份真值：{obj['role']}",
            "region_code": "",
        }
        if (
            obj["role"] == "collection_account"
            and obj["object_kind"] == "bank_card"
            and len(bank_rows) < REPORTS_PER_BANK
        ):
            bank_rows.append({**row, "confidence": "70", "evidence": "本行监测：多笔陌生来账后快速转出"})
        elif index % 10 < POLICE_SHARE:
            police_rows.append(row)
    police = platform.bulk.run(_principal(platform, AFC, Role.ANALYST), _csv(police_rows), "demo.csv")
    bank = platform.bulk.run(
        _principal(platform, "BANK-BCS", Role.INSTITUTION_OPERATOR), _csv(bank_rows), "b.csv"
    )
    if not police.ok or not bank.ok:
        raise RuntimeError(f"demo samples rejected: {(police.errors or bank.errors)[:3]}")
    orders = _issue_orders(platform)
    return Loaded(added, routes, police.created, bank.created, orders, _appeals(platform), holdings)


def _load_routing(platform: Platform, directory: Path) -> int:
    """The province's segment, BIN and platform tables become the routing tables (issue 4)."""
    if platform.routing is None:
        return 0
    admin = _principal(platform, AFC, Role.PLATFORM_ADMIN)
    platforms = pq.read_table(directory / "platforms.parquet").to_pylist()
    tables = {
        "phone_segment": [
            {"prefix": r["prefix"], "org_code": r["org_code"]}
            for r in pq.read_table(directory / "phone_segments.parquet").to_pylist()
        ],
        "bank_bin": [
            {"bin": r["bin"], "org_code": r["org_code"]}
            for r in pq.read_table(directory / "bank_bins.parquet").to_pylist()
        ],
        "payment_platform": [
            {"platform": r["platform"], "org_code": r["org_code"]}
            for r in platforms
            if r["kind"] == "payment"
        ],
        "internet_platform": [
            {"platform": r["platform"], "org_code": r["org_code"]}
            for r in platforms
            if r["kind"] == "internet"
        ],
    }
    loaded = 0
    for table, rows in tables.items():
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        report = platform.routing.import_csv(admin, table, out.getvalue().encode())
        loaded += report.rows  # a bad file raises, naming its line
    return loaded


def _load_holdings(platform: Platform, directory: Path) -> int:
    """Banks and payment institutions declare the holders of their personal cards and accounts (Journey 1)."""
    if platform.holdings is None:
        return 0
    bank_of = {r["bin"]: r["org_code"] for r in pq.read_table(directory / "bank_bins.parquet").to_pylist()}
    payment_of = {
        r["platform"]: r["org_code"]
        for r in pq.read_table(directory / "platforms.parquet").to_pylist()
        if r["kind"] == "payment"
    }
    people = pq.read_table(directory / "people.parquet", columns=["person_id", "resident_id"]).to_pydict()
    resident = dict(zip(people["person_id"], people["resident_id"], strict=True))
    rows: dict[str, list[HoldingRow]] = {}
    cards = pq.read_table(
        directory / "bank_cards.parquet", columns=["card_number", "bin", "holder_resident_id", "bound_phone"]
    )
    for card in cards.to_pylist():
        code = bank_of.get(card["bin"])
        if code and card["holder_resident_id"]:  # corporate accounts have no personal holder
            line = rows.setdefault(code, [])
            # The card's bound phone is where its holder's notices go (Art 34¶1).
            line.append(
                HoldingRow(
                    "bank_card",
                    card["card_number"],
                    card["holder_resident_id"],
                    f"items.{len(line)}",
                    card["bound_phone"] or "",
                )
            )
    accounts = pq.read_table(
        directory / "payment_accounts.parquet", columns=["account", "platform", "holder_person_id"]
    )
    for account in accounts.to_pylist():
        code, holder = payment_of.get(account["platform"]), resident.get(account["holder_person_id"])
        if code and holder:
            line = rows.setdefault(code, [])
            line.append(HoldingRow("payment_account", account["account"], holder, f"items.{len(line)}"))
    declared = 0
    for code, declarations in sorted(rows.items()):
        report = platform.holdings.upload(_principal(platform, code, Role.INSTITUTION_OPERATOR), declarations)
        declared += report.created + report.updated + report.unchanged
    return declared


def _issue_orders(platform: Platform) -> int:
    """Run linked disposal over the new samples now, so the order boards are not empty."""
    if platform.linked_disposal is None:
        return 0
    dispatcher = Dispatcher(platform.sessions, platform.clock, platform.linked_disposal, "demo-load")
    drain(platform.linked_disposal, dispatcher, rounds=1000)
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


EXECUTED_PER_DEMO = 6
APPEALS_PER_DEMO = 2


def _appeals(platform: Platform) -> int:
    """Execute a few phone orders (their notices carry appeal codes) and appeal two of them."""
    if platform.disposal is None or platform.appeals is None:
        return 0
    with platform.sessions() as session:
        orders = session.execute(
            select(Order.id, Order.org_id)
            .where(Order.object_kind == "phone", Order.status == "issued")
            .order_by(Order.id)
            .limit(EXECUTED_PER_DEMO)
        ).all()
        codes = {org_id: session.get_one(Organisation, org_id).code for _, org_id in orders}
    notifier, platform.disposal.notifier = platform.disposal.notifier, MemoryNotifier()
    try:
        for order_id, org_id in orders:
            operator = _principal(platform, codes[org_id], Role.INSTITUTION_OPERATOR)
            platform.disposal.receipt(operator, order_id, ReceiptCreate(status=OrderStatus.EXECUTED))
        sent = platform.disposal.notifier.sent
    finally:
        platform.disposal.notifier = notifier
    appeal_codes = [m.group(1) for n in sent if (m := re.search(r"申诉码 ([A-Z2-9]{10})", n.text))]
    for code in appeal_codes[:APPEALS_PER_DEMO]:
        platform.appeals.submit(
            code, "本人是快递员，号码用于联系收件人", "正常工作使用，请求解除", ["工作证明"], "demo"
        )
    return min(len(appeal_codes), APPEALS_PER_DEMO)


# Where the demo's open orders stand each time it starts: a few late, a few due within the hour, the rest
# later, so every board and work queue has something in each state however long ago the data was loaded.
DEMO_DUE_OFFSETS = (
    timedelta(hours=-2),
    timedelta(minutes=20),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=2),
)
DEMO_APPEAL_DUE = timedelta(days=3)


def refresh_deadlines(platform: Platform) -> tuple[int, int]:
    """Demo only: set the open orders' and appeals' deadlines relative to now; (orders, appeals) moved."""
    if platform.settings.environment == "production":
        raise RuntimeError("demo deadlines are never moved in production")
    now = platform.clock.now()
    open_statuses = [str(s) for s in OPEN]
    with platform.sessions.begin() as session:
        orders = session.scalars(
            select(Order).where(Order.status.in_(open_statuses)).order_by(Order.id)
        ).all()
        for index, order in enumerate(orders):
            order.due_at = now + DEMO_DUE_OFFSETS[index % len(DEMO_DUE_OFFSETS)]
            order.escalation = "none"
        appeals = session.scalars(select(Appeal).where(Appeal.status.in_(["submitted", "reviewing"]))).all()
        for appeal in appeals:
            appeal.due_at = now + DEMO_APPEAL_DUE
    return len(orders), len(appeals)
