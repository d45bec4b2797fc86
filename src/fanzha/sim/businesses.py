"""Employers, merchants, call centres and ATMs of the province."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim import encode
from fanzha.sim.reference import BANKS
from fanzha.sim.regions import CITIES, Regions
from fanzha.sim.rng import stream

I64A = npt.NDArray[np.int64]
KINDS = ("employer", "merchant", "call_centre")
_WORDS = [
    "星辰",
    "华信",
    "宏达",
    "鑫源",
    "湘江",
    "麓山",
    "天成",
    "恒通",
    "盛世",
    "万家",
    "嘉禾",
    "金桥",
    "瑞丰",
    "长盛",
    "和美",
    "新锐",
    "福满",
    "润泽",
]
_EMPLOYER = [
    "科技有限公司",
    "商贸有限公司",
    "建设工程有限公司",
    "食品有限公司",
    "物流有限公司",
    "机械制造有限公司",
]
_MERCHANT = ["便利店", "超市", "餐馆", "米粉店", "药房", "水果店", "服装店", "五金店", "加油站", "奶茶店"]
_CALL_CENTRE = ["客户服务中心", "呼叫中心", "快递服务站", "电话营销中心"]


@dataclass
class Businesses:
    """Businesses as arrays; sorted by county, so each city's merchants form one range."""

    n: int
    kind: npt.NDArray[np.int8]
    county: npt.NDArray[np.int32]
    name: pa.Array
    merchants: I64A  # business ids of merchants, by city
    merchant_city_start: I64A  # per city: first position in `merchants`
    merchant_city_size: I64A
    employers_by_county: list[I64A]
    call_centres: I64A

    def table(self, regions: Regions) -> pa.Table:
        """The businesses table."""
        return pa.table(
            {
                "business_id": pa.array(np.arange(self.n, dtype=np.int64)),
                "name_zh": self.name,
                "kind": encode.take_strings(KINDS, self.kind),
                "region_code": encode.take_strings(regions.county_codes, self.county),
            }
        )


def build_businesses(people: int, seed: int, regions: Regions) -> Businesses:
    """About one employer per 60 people, one merchant per 80, one call centre per 20,000."""
    rng = stream(seed, "businesses")
    counts = (max(20, people // 60), max(20, people // 80), max(2, people // 20_000))
    kind = np.repeat(np.arange(3, dtype=np.int8), counts)
    w = regions.county_weight / regions.county_weight.sum()
    county = rng.choice(len(w), size=len(kind), p=w).astype(np.int32)
    # Every city gets at least one merchant so shopping stays local.
    m_idx = np.flatnonzero(kind == 1)
    n_cities = len(CITIES)
    for c in range(n_cities):
        county[m_idx[c]] = np.flatnonzero(regions.county_city == c)[0]
    order = np.lexsort((kind, county))
    kind, county = kind[order], county[order]
    n = len(kind)
    city_zh = [c[1] for c in CITIES]
    city = regions.county_city[county]
    word = encode.take_strings(_WORDS, rng.integers(0, len(_WORDS), n))
    place = encode.take_strings(city_zh, city)
    suffix_pool = [*_EMPLOYER, *_MERCHANT, *_CALL_CENTRE]
    lo = np.array([0, len(_EMPLOYER), len(_EMPLOYER) + len(_MERCHANT)])
    span = np.array([len(_EMPLOYER), len(_MERCHANT), len(_CALL_CENTRE)])
    suffix = encode.take_strings(suffix_pool, lo[kind] + (rng.random(n) * span[kind]).astype(np.int64))
    serial = pa.array((np.arange(n) % 97 + 1).astype(np.int64)).cast(pa.string())
    # Merchants carry a shop number so that names stay distinct within a city.
    shop = pc.if_else(pa.array(kind == 1), pc.binary_join_element_wise(serial, "号", ""), "")
    name = pc.binary_join_element_wise(place, word, shop, suffix, "")
    merchants = np.flatnonzero(kind == 1).astype(np.int64)
    m_city = city[merchants]
    m_order = np.argsort(m_city, kind="stable")
    merchants = merchants[m_order]
    sizes = np.bincount(m_city, minlength=n_cities).astype(np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    employers = np.flatnonzero(kind == 0)
    by_county = [employers[county[employers] == c].astype(np.int64) for c in range(len(regions.county_codes))]
    return Businesses(
        n=n,
        kind=kind,
        county=county,
        name=name,
        merchants=merchants,
        merchant_city_start=starts,
        merchant_city_size=sizes,
        employers_by_county=by_county,
        call_centres=np.flatnonzero(kind == 2).astype(np.int64),
    )


@dataclass
class Atms:
    """ATMs: id strings, bank and township."""

    ids: pa.Array
    bank: npt.NDArray[np.int64]
    town: npt.NDArray[np.int32]
    county_start: I64A  # ATMs are sorted by county
    county_size: I64A

    def near(self, rng: np.random.Generator, county: npt.NDArray[np.int32]) -> I64A:
        """A random ATM in each given county."""
        c = county.astype(np.int64)
        return self.county_start[c] + (rng.random(len(c)) * self.county_size[c]).astype(np.int64)

    def table(self, regions: Regions) -> pa.Table:
        """The atms table."""
        return pa.table(
            {
                "atm_id": self.ids,
                "bank_code": encode.take_strings([b[0] for b in BANKS], self.bank),
                "region_code": encode.take_strings(regions.town_codes, self.town),
            }
        )


def build_atms(people: int, seed: int, regions: Regions) -> Atms:
    """One ATM per 800 people, at least one in every county."""
    rng = stream(seed, "atms")
    n_county = len(regions.county_codes)
    extra = max(0, people // 800 - n_county)
    w = regions.county_weight / regions.county_weight.sum()
    county = np.sort(np.r_[np.arange(n_county), rng.choice(n_county, size=extra, p=w)]).astype(np.int32)
    towns_of = [np.flatnonzero(regions.town_county == c) for c in range(n_county)]
    town = np.array([towns_of[c][rng.integers(len(towns_of[c]))] for c in county], dtype=np.int32)
    share = np.array([b[3] for b in BANKS])
    bank = rng.choice(len(BANKS), size=len(county), p=share / share.sum()).astype(np.int64)
    serial = encode.ascii_digits(encode.digit_matrix(np.arange(len(county)), 6))
    codes = [b[0] for b in BANKS]
    prefix = pc.binary_join_element_wise("ATM-", encode.take_strings(codes, bank), "-", "")
    ids = pc.binary_join_element_wise(prefix, encode.rows_to_strings(serial), "")
    size = np.bincount(county, minlength=n_county).astype(np.int64)
    return Atms(
        ids=ids,
        bank=bank,
        town=town,
        county_start=np.r_[0, np.cumsum(size)[:-1]].astype(np.int64),
        county_size=size,
    )
