"""Ordinary life of one block of people on one day: calls, SMS, chats, money, web, apps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim import encode, idgen
from fanzha.sim.blocks import (
    CALL_HOURS,
    DAY,
    PAY_HOURS,
    WEB_HOURS,
    Block,
    concat,
    time_of_day,
)
from fanzha.sim.callers import sales_calls
from fanzha.sim.holdings import SEGMENT_LIST
from fanzha.sim.population import OCCUPATIONS
from fanzha.sim.reference import BANKS, BINS
from fanzha.sim.rng import stream
from fanzha.sim.social import contacts, phone_of
from fanzha.sim.spending import spend
from fanzha.sim.texts import BANK_CODES, SERVICE_SENDERS, VARIANTS, TextPool
from fanzha.sim.vocab import GATEWAYS, ROAMING, cat
from fanzha.sim.world import World

I64A = npt.NDArray[np.int64]
COURIER = OCCUPATIONS.index("courier")
_BANK_SENDER = pa.array([BANK_CODES[b[0]] for b in BANKS], pa.string())
_PORTS = pa.concat_arrays([_BANK_SENDER, *(pa.array(v, pa.string()) for v in SERVICE_SENDERS.values())])
_BIN_BANK = np.array([[b[0] for b in BANKS].index(x[1]) for x in BINS], dtype=np.int64)


def _bank_starts(tp: TextPool) -> I64A:
    """Where each bank's notices start in the text pool."""
    return np.array([tp.start[f"bank_notice:{b[0]}"] for b in BANKS], dtype=np.int64)


def calls(rng: np.random.Generator, w: World, people: I64A, t_day: int) -> Block:
    """Calls from the block's people, and calls into it from elsewhere in China."""
    ph = w.phones
    has = ph.primary[people] >= 0
    k = rng.poisson(w.cfg.calls_per_day * w.pop.activity[people] * has)
    # Hard negative: couriers and riders ring many strangers briefly ("您的快递到了"), all day.
    courier = has & (w.pop.occupation[people] == COURIER)
    kc = rng.poisson(w.cfg.courier_calls_per_day * courier)
    caller = np.r_[np.repeat(people, k), np.repeat(people, kc)]
    job = np.r_[np.zeros(int(k.sum()), bool), np.ones(int(kc.sum()), bool)]
    n = len(caller)
    card = ph.primary[caller]
    alt = ph.secondary[caller]
    use2 = (alt >= 0) & (rng.random(n) < 0.2)
    card[use2] = alt[use2]
    callee = phone_of(rng, w, contacts(rng, w, caller, 0.35, 0.35), caller)
    callee[job] = phone_of(rng, w, rng.integers(0, w.pop.n, int(job.sum())), caller[job])
    answered = rng.random(n) < np.where(job, 0.75, 0.85)
    talk = np.where(job, rng.lognormal(np.log(20), 0.5, n), rng.lognormal(np.log(60), 1.1, n))
    dur = np.where(answered, np.clip(talk, 1, 7200), 0).astype(np.int32)
    roam = rng.random(n) < 0.02
    cell = np.where(
        rng.random(n) < 0.8,
        w.pop.home_cell[caller],
        w.pop.home_cell[
            w.pop.city_start[caller] + (rng.random(n) * w.pop.city_size[caller]).astype(np.int64)
        ],
    )
    # One call in twenty comes in from a number elsewhere in China.
    inbound = rng.random(n) < 0.05
    m = int(inbound.sum())
    seg = rng.integers(0, len(SEGMENT_LIST), m)
    outside = idgen.e164(idgen.mobile_numbers(rng, [s[0] for s in SEGMENT_LIST], seg, home=False))
    caller_s = ph.number.take(pa.array(card))
    if m:
        caller_s = pc.replace_with_mask(caller_s, pa.array(inbound), outside)
    imei = ph.imei.take(pa.array(ph.device[card], mask=inbound))
    return {
        "ts": t_day + time_of_day(rng, n, CALL_HOURS),
        "caller": caller_s,
        "callee": ph.number.take(pa.array(callee)),
        "duration_s": dur,
        "caller_imei": imei,
        "cell_id": pa.array(cell, mask=roam | inbound),
        "roaming": encode.take_strings(ROAMING, roam.astype(np.int64)),
        "gateway": encode.take_strings(GATEWAYS, inbound.astype(np.int64)),
        "_category": np.full(n, -1, dtype=np.int64),
    }


def _sms(rng: np.random.Generator, w: World, people: I64A, t_day: int) -> Block:
    """Service messages, family texts and genuine anti-fraud warnings to the block's people."""
    ph, tp = w.phones, w.texts
    has = ph.primary[people] >= 0
    act = w.pop.activity[people]
    rate_family = 0.15 * act * has
    rate_service = max(w.cfg.sms_per_day - 0.15, 0.0) * has * np.sqrt(act)
    rate_warn = w.cfg.warning_sms_per_day * has
    kf, ks, kw = rng.poisson(rate_family), rng.poisson(rate_service), rng.poisson(rate_warn)
    # Family and friends.
    fs = np.repeat(people, kf)
    fr = phone_of(rng, w, contacts(rng, w, fs, 0.6, 0.2), fs)
    fam: Block = {
        "ts": t_day + time_of_day(rng, len(fs), CALL_HOURS),
        "sender": ph.number.take(pa.array(ph.primary[fs])),
        "receiver": ph.number.take(pa.array(fr)),
        "text": tp.texts.take(pa.array(tp.pick("family", rng.random(len(fs))))),
        "sender_imei": ph.imei.take(pa.array(ph.device[ph.primary[fs]])),
        "cell_id": pa.array(w.pop.home_cell[fs]),
        "_category": np.full(len(fs), cat("family"), dtype=np.int64),
    }
    # Services: bank notices from the person's bank, ports for the rest.
    sr = np.repeat(people, ks)
    n = len(sr)
    kind = np.searchsorted(np.cumsum([0.35, 0.2, 0.25, 0.2]), rng.random(n), side="right").clip(0, 3)
    card = w.banks.primary[sr]
    bank = np.where(card >= 0, _BIN_BANK[w.banks.bin[card.clip(0)]], 0)
    kind[(kind == 0) & (card < 0)] = 3
    u = rng.random(n)
    text_idx = np.empty(n, dtype=np.int64)
    for k, name in enumerate(("bank_notice", "delivery", "verification", "marketing")):
        m = kind == k
        if name == "bank_notice":
            text_idx[m] = _bank_starts(tp)[bank[m]] + (u[m] * VARIANTS).astype(np.int64)
        else:
            text_idx[m] = tp.pick(name, u[m])
    ports = _PORTS
    port_n = np.array([1, *(len(v) for v in SERVICE_SENDERS.values())])
    port_lo = np.r_[0, len(BANKS) + np.cumsum(port_n[1:]) - port_n[1:]]
    port = np.where(kind == 0, bank, port_lo[kind] + (rng.random(n) * port_n[kind]).astype(np.int64))
    svc: Block = {
        "ts": t_day + time_of_day(rng, n, PAY_HOURS),
        "sender": ports.take(pa.array(port)),
        "receiver": ph.number.take(pa.array(ph.primary[sr])),
        "text": tp.texts.take(pa.array(text_idx)),
        "sender_imei": pa.nulls(n, pa.string()),
        "cell_id": pa.nulls(n, pa.int64()),
        "_category": np.array([cat("bank_notice"), cat("delivery"), cat("verification"), cat("marketing")])[
            kind
        ],
    }
    # Genuine warnings: from the person's bank or from the police (96110, 12381).
    wr = np.repeat(people, kw)
    nw = len(wr)
    from_bank = rng.random(nw) < 0.5
    wcard = w.banks.primary[wr]
    from_bank &= wcard >= 0
    wbank = np.where(wcard >= 0, _BIN_BANK[w.banks.bin[wcard.clip(0)]], 0)
    bank_warn = np.array([tp.start[f"bank_warning:{b[0]}"] for b in BANKS])[wbank] + rng.integers(0, 8, nw)
    police = tp.pick("police_warning", rng.random(nw))
    senders = pa.array(["96110", "12381"], pa.string())
    warn_sender = pc.if_else(
        pa.array(from_bank),
        _BANK_SENDER.take(pa.array(wbank)),
        senders.take(pa.array(rng.integers(0, 2, nw))),
    )
    warn: Block = {
        "ts": t_day + time_of_day(rng, nw, PAY_HOURS),
        "sender": warn_sender,
        "receiver": ph.number.take(pa.array(ph.primary[wr])),
        "text": tp.texts.take(pa.array(np.where(from_bank, bank_warn, police))),
        "sender_imei": pa.nulls(nw, pa.string()),
        "cell_id": pa.nulls(nw, pa.int64()),
        "_category": np.full(nw, cat("anti_fraud_warning"), dtype=np.int64),
    }
    out = concat([fam, svc, warn])
    out["_label"] = np.zeros(len(out["ts"]), dtype=np.int64) if out else np.zeros(0, np.int64)
    return out


def _chats(rng: np.random.Generator, w: World, people: I64A, t_day: int) -> Block:
    """WeChat (and some QQ) messages between relatives, colleagues and friends."""
    blocks: list[Block] = []
    for plat, share in (("wechat", 0.9), ("qq", 0.1)):
        acct = w.net.of_person[plat]
        has = acct[people] >= 0
        k = rng.poisson(w.cfg.chats_per_day * share * w.pop.activity[people] * has)
        s = np.repeat(people, k)
        n = len(s)
        u = rng.random(n)
        target = contacts(rng, w, s, 0.4, 0.35)
        r = acct[target]
        holders = np.flatnonzero(acct >= 0)
        bad = (r < 0) | (target == s)
        r[bad] = acct[holders[rng.integers(0, len(holders), int(bad.sum()))]]
        catg = np.where(u < 0.4, cat("family"), np.where(u < 0.75, cat("work"), cat("friend")))
        tp = w.texts
        ti = np.where(
            catg == cat("family"),
            tp.pick("family", rng.random(n)),
            np.where(catg == cat("work"), tp.pick("work", rng.random(n)), tp.pick("friend", rng.random(n))),
        )
        blocks.append(
            {
                "ts": t_day + time_of_day(rng, n, WEB_HOURS),
                "platform": encode.take_strings([plat], np.zeros(n, np.int64)),
                "sender": w.net.ident.take(pa.array(acct[s])),
                "receiver": w.net.ident.take(pa.array(r)),
                "text": tp.texts.take(pa.array(ti)),
                "sender_ip": w.person_ip.take(pa.array(s)),
                "_category": catg.astype(np.int64),
                "_label": np.zeros(n, dtype=np.int64),
            }
        )
    return concat(blocks)


def _web(rng: np.random.Generator, w: World, people: I64A, t_day: int) -> tuple[Block, Block]:
    """Web visits and store installs from the block's handsets."""
    dev = w.phones.person_device[people]
    age = w.pop.age[people]
    rate = w.cfg.web_visits_per_day * w.pop.activity[people] * (dev >= 0) * np.where(age < 65, 1.0, 0.4)
    who = np.repeat(people, rng.poisson(rate))
    n = len(who)
    cat_ = w.catalogue
    url = (rng.random(n) ** 3 * cat_.n_legit_urls).astype(np.int64)
    urls = cat_.urls
    web: Block = {
        "ts": t_day + time_of_day(rng, n, WEB_HOURS),
        "imei": w.phones.imei.take(pa.array(w.phones.person_device[who])),
        "ip": w.person_ip.take(pa.array(who)),
        "url": urls.column("url").take(pa.array(url)),
        "domain": urls.column("domain").take(pa.array(url)),
    }
    inst = np.repeat(people, rng.poisson(w.cfg.app_installs_per_day * (dev >= 0)))
    m = len(inst)
    app = (rng.random(m) ** 2 * cat_.n_legit_apps).astype(np.int64)
    apps: Block = {
        "ts": t_day + time_of_day(rng, m, WEB_HOURS),
        "imei": w.phones.imei.take(pa.array(w.phones.person_device[inst])),
        "package": cat_.apps.column("package").take(pa.array(app)),
        "source": encode.take_strings(["store"], np.zeros(m, np.int64)),
        "download_url": pa.nulls(m, pa.string()),
    }
    return web, apps


def life_block(w: World, day: int, lo: int, hi: int) -> dict[str, Block]:
    """Every ordinary event of people lo..hi-1 on one day."""
    rng = stream(w.cfg.seed, "life", day, lo)
    people = np.arange(lo, hi, dtype=np.int64)
    t_day = w.cfg.t0 + day * DAY
    txn, atm = spend(rng, w, people, day, t_day)
    web, apps = _web(rng, w, people, t_day)
    return {
        "calls": concat([calls(rng, w, people, t_day), sales_calls(w, people, day, t_day)]),
        "sms": _sms(rng, w, people, t_day),
        "chats": _chats(rng, w, people, t_day),
        "transactions": txn,
        "atm_events": atm,
        "web_visits": web,
        "app_installs": apps,
    }
