"""Internet engines: accounts associated with fraud accounts (Art 20).

Known fraud accounts are the police samples (Art 20, 27) when an exporter put
an optional `sample_objects.parquet` (columns `object_kind`, `identifier`) beside the data, and the
accounts this platform already judges high-risk senders of scam messages (ScamTextV1). From them the
association spreads, a few rounds of joins, through a shared registration phone, device (IMEI), real-name
ID or IP; a value shared by many accounts (a campus or café NAT address) ties nobody.
"""

from __future__ import annotations

from typing import ClassVar

import ibis
import ibis.expr.types as ir

from fanzha.detect.engines.content_text import ScamTextV1
from fanzha.detect.engines.telecom import SAMPLE_FILE
from fanzha.detect.frame import Engine, as_alerts, reasons_of
from fanzha.detect.province import Province

SAMPLE_OBJECTS_FILE = "sample_objects.parquet"
# Link kinds: (key, Chinese name, weight of one hop). A registration phone or handset is one
# controller; a real-name ID ties a card seller's own accounts to the fraud ones he lent his name to.
LINKS = (
    ("phone", "注册手机号", 0.95),
    ("imei", "注册设备（IMEI）", 0.9),
    ("ip", "注册IP地址", 0.8),
    ("resident_id", "实名身份证号", 0.6),
)
# Labelled actors whose own accounts are associated too when a fraud account bears their name.
ACTOR_ROLES = frozenset({"trader", "mule", "casher"})


def mask(value: ir.StringValue) -> ir.StringValue:
    """A value with its middle hidden: the first four and last four characters, or the first two IP octets."""
    is_ip = value.re_search(r"^\d+\.\d+\.\d+\.\d+$")
    ip = value.re_extract(r"^(\d+\.\d+)\.", 1) + ".*.*"
    long = value.length() > 8
    generic = ibis.ifelse(long, value.substr(0, 4) + "****" + value.right(4), value.substr(0, 1) + "***")
    return ibis.ifelse(is_ip, ip, generic)


def sample_objects(p: Province, name: str) -> ir.Table | None:
    """Police sample objects beside the data, (object_kind, identifier); None when there are none."""
    parts = []
    if p.has(SAMPLE_OBJECTS_FILE):
        t = p.con.read_parquet(p.location(SAMPLE_OBJECTS_FILE), table_name=f"{name}_sample_objects")
        parts.append(
            t.select(object_kind=t.object_kind.cast("string"), identifier=t.identifier.cast("string"))
        )
    if p.has(SAMPLE_FILE):
        t = p.con.read_parquet(p.location(SAMPLE_FILE), table_name=f"{name}_sample_numbers")
        parts.append(t.select(object_kind=ibis.literal("phone"), identifier=t.identifier.cast("string")))
    if not parts:
        return None
    return (ibis.union(*parts) if len(parts) > 1 else parts[0]).distinct()


class AssociatedAccountV1(Engine):
    """Internet accounts tied to known fraud accounts by a shared phone, device, ID or (not crowded) IP."""

    name: ClassVar[str] = "AssociatedAccountV1"
    articles: ClassVar[str] = "20"
    title_zh: ClassVar[str] = "涉诈关联互联网账号识别"
    title_en: ClassVar[str] = "Internet accounts associated with fraud accounts"
    inputs: ClassVar[tuple[str, ...]] = ("internet_accounts", "people", "chats", "sms")
    truth_roles: ClassVar[frozenset[str]] = frozenset({"fraud_internet_account"})
    ROUNDS: ClassVar[int] = 4  # hops of propagation from the known accounts
    CROWD: ClassVar[int] = 10  # an IP shared by more accounts than this weighs CROWD / n of its link
    HUB: ClassVar[int] = 30  # a value shared by more accounts than this is no link at all (NAT, café)
    FROM_ENGINES: ClassVar[bool] = True  # also start from ScamTextV1's high-risk accounts
    MIN_SCORE: ClassVar[float] = 0.5

    def seeds(self, p: Province) -> ir.Table:
        """Known fraud internet accounts: (account_id, account)."""
        accounts = p["internet_accounts"]
        parts: list[ir.Table] = []
        samples = sample_objects(p, "internet")
        if samples is not None:
            s = samples.filter(samples.object_kind == "internet_account")
            parts.append(s.select(account=s.identifier))
        if self.FROM_ENGINES:
            text = ScamTextV1().alerts(p)
            text = text.filter((text.object_kind == "internet_account") & (text.level == "high"))
            parts.append(text.select(account=text.identifier))
        if not parts:
            return accounts.filter(ibis.literal(False)).select("account_id", "account")
        known = (ibis.union(*parts) if len(parts) > 1 else parts[0]).distinct()
        return accounts.semi_join(known, "account").select("account_id", "account")

    def links(self, p: Province) -> ir.Table:
        """(account_id, kind, value, n, w): the registration values that can tie accounts, hubs left out."""
        # Art 20: a registration phone, device, ID or IP shared with a fraud account is an association.
        a, people = p["internet_accounts"], p["people"]
        ids = a.inner_join(people.select("person_id", "resident_id"), a.holder_person_id == people.person_id)
        parts = [
            a.select("account_id", kind=ibis.literal("phone"), value=a.registered_phone),
            a.select("account_id", kind=ibis.literal("imei"), value=a.registered_imei),
            a.select("account_id", kind=ibis.literal("ip"), value=a.registered_ip),
            ids.select("account_id", kind=ibis.literal("resident_id"), value=ids.resident_id),
        ]
        v = ibis.union(*parts)
        v = v.filter(v.value.notnull() & (v.value != "")).distinct()
        n = v.group_by(["kind", "value"]).aggregate(n=v.account_id.nunique())
        v = v.inner_join(n.filter((n.n >= 2) & (n.n <= self.HUB)), ["kind", "value"])
        base = ibis.cases(*((v.kind == k, w) for k, _, w in LINKS), else_=0.0)
        # Only an address is crowded innocently (NAT); many accounts on one phone, handset or ID is
        # itself the mark of a fraud operation.
        crowd = ibis.ifelse(
            v.kind == "ip", ibis.least(ibis.literal(1.0), self.CROWD / v.n.cast("float64")), 1.0
        )
        return v.select("account_id", "kind", "value", "n", w=(base * crowd).round(4))

    def propagate(self, p: Province) -> ir.Table:
        """Accounts reached from the seeds: best path score, group label, hop and the link that tied them."""
        links = self.links(p)
        pairs = (
            links.inner_join(
                links.select(b_id=links.account_id, kind=links.kind, value=links.value), ["kind", "value"]
            )
            .filter(ibis._.account_id != ibis._.b_id)
            .select("account_id", "b_id", "kind", "value", "n", "w")
        )
        seeds = self.seeds(p)
        state = seeds.select(
            "account_id",
            score=ibis.literal(1.0),
            label=seeds.account_id,
            hop=ibis.literal(0).cast("int64"),
            kind=ibis.literal("seed"),
            value=ibis.literal(""),
            n=ibis.literal(0).cast("int64"),
            from_id=seeds.account_id,
        )
        for _ in range(self.ROUNDS):
            step = state.inner_join(pairs, state.account_id == pairs.b_id).select(
                account_id=pairs.account_id,
                score=(state.score * pairs.w).round(4),
                label=state.label,
                hop=state.hop + 1,
                kind=pairs.kind,
                value=pairs.value,
                n=pairs.n.cast("int64"),
                from_id=state.account_id,
            )
            both = ibis.union(state, step)
            order = [ibis.desc(both.score), both.hop, both.kind, both.value, both.from_id, both.label]
            w = ibis.window(group_by=both.account_id, order_by=order)
            ranked = both.mutate(
                _r=ibis.row_number().over(w), _label=both.label.min().over(group_by=both.account_id)
            )
            state = ranked.filter(ranked._r == 0).select(
                "account_id", "score", "hop", "kind", "value", "n", "from_id", label=ranked._label
            )
        return state

    def alerts(self, p: Province) -> ir.Table:
        accounts = p["internet_accounts"]
        state = self.propagate(p)
        # The group: the known accounts and the associated ones strong enough to be alerted.
        kept = state.filter(state.score >= self.MIN_SCORE)
        size = kept.group_by("label").aggregate(group_size=kept.account_id.count())
        s = state.inner_join(size, "label")
        via = accounts.select(from_id=accounts.account_id, from_account=accounts.account)
        s = s.inner_join(via, "from_id")
        s = s.inner_join(accounts.select("account_id", "account", "registered_at"), "account_id").filter(
            ibis._.hop > 0
        )
        kind_zh = ibis.cases(*((s.kind == k, zh) for k, zh, _ in LINKS), else_="")
        from_seed = s.hop == 1
        reasons = reasons_of(
            (
                from_seed,
                "与已知涉诈账号 "
                + mask(s.from_account)
                + " 使用同一"
                + kind_zh
                + "（"
                + mask(s.value)
                + "）",
            ),
            (
                ~from_seed,
                "与涉诈关联账号 "
                + mask(s.from_account)
                + " 使用同一"
                + kind_zh
                + "（"
                + mask(s.value)
                + "），距已知涉诈账号"
                + s.hop.cast("string")
                + "层",
            ),
            (
                (s.kind == "ip") & (s.n > self.CROWD),
                kind_zh + "由" + s.n.cast("string") + "个账号共用，关联权重已降低",
            ),
            (
                ibis.literal(True),
                "关联组 #" + s.label.cast("string") + "（共" + s.group_size.cast("string") + "个账号）",
            ),
        )
        return as_alerts(
            s,
            object_kind="internet_account",
            identifier=s.account,
            score=s.score,
            reasons=reasons,
            last_seen=s.registered_at,
            min_score=self.MIN_SCORE,
        )

    def truth(self, p: Province) -> ir.Table:
        """Fraud accounts and the own accounts of the labelled traders and mules they bear, less seeds."""
        objects, accounts, people = p["label_objects"], p["internet_accounts"], p["people"]
        actors = objects.filter(objects.role.isin(sorted(ACTOR_ROLES)))
        fraud = objects.filter(objects.role.isin(sorted(self.truth_roles)))
        names = accounts.semi_join(fraud, accounts.account == fraud.identifier).select(
            lent=accounts.holder_person_id
        )
        held = (
            accounts.semi_join(names, accounts.holder_person_id == names.lent)
            .inner_join(people, accounts.holder_person_id == people.person_id)
            .semi_join(actors, ibis._.resident_id == actors.identifier)
        )
        held = held.select(object_kind=ibis.literal("internet_account"), identifier=held.account)
        seeds = self.seeds(p)
        both = ibis.union(super().truth(p), held).distinct()
        return both.anti_join(seeds, both.identifier == seeds.account)

    def universe(self, p: Province) -> ir.Table | None:
        """Every internet account that is not a seed."""
        a, seeds = p["internet_accounts"], self.seeds(p)
        rest = a.anti_join(seeds, "account_id")
        return rest.select(object_kind=ibis.literal("internet_account"), identifier=rest.account)


ENGINES: tuple[type[Engine], ...] = (AssociatedAccountV1,)
