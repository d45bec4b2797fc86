"""The standing ground truth: groups, labelled objects and cases."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fanzha.contracts import SCAM_CODES
from fanzha.sim.actors import BANK_ROLES
from fanzha.sim.cases import CaseRunner
from fanzha.sim.world import World
from fanzha.sim.writer import int_or_null, to_table


def label_groups(w: World) -> pa.Table:
    """label_groups."""
    p = w.plan
    return to_table(
        "label_groups",
        {
            "group_id": np.arange(p.n_groups, dtype=np.int64),
            "scam_type": pa.array([SCAM_CODES[int(t)] for t in p.group_type], pa.string()),
            "base_country": pa.array(p.group_country, pa.string()),
            "uses_sim_box": p.group_simbox,
        },
    )


def label_objects(w: World, run: CaseRunner) -> pa.Table:
    """label_objects: every fraud actor and object with the row that holds it."""
    p, ph = w.plan, w.phones
    parts: list[tuple[str, pa.Array, str, np.ndarray, pa.Array, np.ndarray]] = []

    def add(
        kind: str, ident: pa.Array, table: str, rows: np.ndarray, role: str | list[str], group: np.ndarray
    ) -> None:
        roles = (
            pa.array([role] * len(ident), pa.string())
            if isinstance(role, str)
            else pa.array(role, pa.string())
        )
        parts.append((kind, ident, table, rows, roles, group))

    rows = ph.fraud_cards
    add("phone", ph.number.take(pa.array(rows)), "phone_cards", rows, "fraud_card", p.phone_group)
    add("imei", ph.imei.take(pa.array(ph.simboxes)), "devices", ph.simboxes, "sim_box", p.simbox_group)
    add("imei", ph.imei.take(pa.array(ph.handsets)), "devices", ph.handsets, "fraud_handset", p.handset_group)
    gear = run.gear
    for used, arr, role in (
        (gear.used_spoofed, gear.spoofed, "spoofed_number"),
        (gear.used_overseas, gear.overseas, "overseas_number"),
    ):
        idx = np.array(sorted(used), dtype=np.int64)
        add("phone", arr.take(pa.array(idx)), "calls", np.full(len(idx), -1), role, idx // 3)
    rows = w.net.fraud
    add(
        "internet_account",
        w.net.ident.take(pa.array(rows)),
        "internet_accounts",
        rows,
        "fraud_internet_account",
        p.inet_group,
    )
    ips = gear.ip_str
    add("ip", ips, "internet_accounts", np.full(len(ips), -1), "fraud_ip", np.arange(len(ips)) // 2)
    cat = w.catalogue
    for g, urls in enumerate(cat.group_urls):
        t = cat.urls.take(pa.array(urls))
        add("url", t.column("url").combine_chunks(), "urls", urls, "fraud_url", np.full(len(urls), g))
        add(
            "domain", t.column("domain").combine_chunks(), "urls", urls, "fraud_domain", np.full(len(urls), g)
        )
    for g, apps in enumerate(cat.group_apps):
        add(
            "app",
            cat.apps.column("package").combine_chunks().take(pa.array(apps)),
            "apps",
            apps,
            "fraud_app",
            np.full(len(apps), g),
        )
    add("wallet", w.wallets, "wallets", np.arange(len(w.wallets)), "fraud_wallet", p.wallet_group)
    rows = w.banks.fraud
    add(
        "bank_card",
        w.banks.number.take(pa.array(rows)),
        "bank_cards",
        rows,
        [BANK_ROLES[r] for r in p.bank_role],
        p.bank_group,
    )
    rows = w.pay.fraud
    add(
        "payment_account",
        w.pay.ident.take(pa.array(rows)),
        "payment_accounts",
        rows,
        "collection_account",
        p.pay_group,
    )
    for people, role, group in (
        (p.traders, "trader", np.full(len(p.traders), -1)),
        (p.mules, "mule", np.full(len(p.mules), -1)),
        (p.cashers, "casher", np.repeat(np.arange(p.n_groups), [len(c) for c in p.group_cashers])),
    ):
        add("resident_id", w.pop.resident_id.take(pa.array(people)), "people", people, role, group)
    return to_table(
        "label_objects",
        {
            "object_kind": pa.array([k for k, i, *_ in parts for _ in range(len(i))], pa.string()),
            "identifier": pa.concat_arrays([i for _, i, *_ in parts]),
            "source_table": pa.array([t for _, i, t, *_ in parts for _ in range(len(i))], pa.string()),
            "object_id": int_or_null(np.concatenate([r for *_, r, _, _ in parts])),
            "role": pa.concat_arrays([r for *_, r, _ in parts]),
            "group_id": int_or_null(np.concatenate([np.asarray(g, dtype=np.int64) for *_, g in parts])),
        },
    )


def label_cases(w: World, run: CaseRunner) -> pa.Table:
    """label_cases: one row per case, victims first."""
    p = w.plan
    rec = run.records
    person = p.case_person
    first_pay = np.array([r.first_payment for r in rec], dtype=np.int64)
    return to_table(
        "label_cases",
        {
            "case_id": np.arange(len(rec), dtype=np.int64),
            "group_id": p.case_group,
            "scam_type": pa.array([SCAM_CODES[int(p.group_type[g])] for g in p.case_group], pa.string()),
            "person_id": person,
            "resident_id": w.pop.resident_id.take(pa.array(person)),
            "age": w.pop.age[person],
            "first_contact_at": np.array([r.first_contact for r in rec], dtype=np.int64),
            "first_channel": pa.array([r.first_channel for r in rec], pa.string()),
            "outcome": pa.array(["victim" if r.n_payments else "engaged" for r in rec], pa.string()),
            "n_payments": np.array([r.n_payments for r in rec], dtype=np.int8),
            "loss_fen": np.array([r.loss for r in rec], dtype=np.int64),
            "first_payment_at": pa.array(first_pay, mask=first_pay < 0),
            "dissuaded": np.array([r.dissuaded for r in rec], dtype=bool),
        },
    )
