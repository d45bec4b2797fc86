"""People: age, sex, occupation, home township, household, workplace, ID, name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from fanzha.sim import encode
from fanzha.sim.regions import Regions
from fanzha.sim.rng import stream

I32A = npt.NDArray[np.int32]
I64A = npt.NDArray[np.int64]

OCCUPATIONS = (
    "child",
    "student",
    "farmer",
    "worker",
    "employee",
    "civil_servant",
    "teacher",
    "medical",
    "self_employed",
    "driver",
    "courier",
    "retired",
    "unemployed",
)
# Working-age mix of occupations (index into OCCUPATIONS, weight).
_WORK_MIX = (
    (2, 0.20),
    (3, 0.20),
    (4, 0.20),
    (5, 0.04),
    (6, 0.04),
    (7, 0.04),
    (8, 0.12),
    (9, 0.05),
    (10, 0.04),
    (12, 0.07),
)
EMPLOYED = np.array(
    [
        o in {"worker", "employee", "civil_servant", "teacher", "medical", "driver", "courier"}
        for o in OCCUPATIONS
    ]
)
# Median monthly salary in yuan per occupation (0 where no salary is paid).
SALARY = np.array([0, 0, 0, 5200, 6800, 7500, 7000, 8000, 0, 6000, 6500, 0, 0], dtype=np.float64)

_SURNAMES = (
    "李王刘张陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭"
    "吕苏卢蒋蔡贾丁魏叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江"
    "史顾侯邵孟龙万段雷钱汤尹黎易常武贺赖龚文"
)
_GIVEN_M = "伟强磊军勇杰涛斌波辉刚健明超亮俊峰建华平文志国浩宇鹏飞龙翔晨阳凯"
_GIVEN_F = "芳娜敏静丽艳娟霞燕玲婷雪琳颖倩洁慧萍红梅兰佳欣怡璐瑶莉丹琴"
_HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5])
_HOUSEHOLD_P = np.array([0.25, 0.30, 0.25, 0.13, 0.07])
# Public IPv4 /16 blocks the province's home connections are drawn from (synthetic choice).
_IP_BLOCKS = np.array(
    [(175 << 8) + b for b in range(0, 16)]
    + [(113 << 8) + b for b in range(240, 248)]
    + [(222 << 8) + b for b in range(240, 248)],
    np.uint32,
)


@dataclass
class Population:
    """All people as column arrays; index = person_id."""

    n: int
    age: npt.NDArray[np.int16]
    male: npt.NDArray[np.bool_]
    birth: npt.NDArray[np.datetime64]
    occupation: npt.NDArray[np.int8]
    town: I32A  # township index
    county: I32A
    city: I32A
    household: I64A
    hh_start: I64A  # first member of the person's household
    hh_size: npt.NDArray[np.int8]
    work_group: I64A  # -1 for people without a workplace
    wg_start: I64A  # CSR over work-group members
    wg_members: I64A
    city_start: I64A  # people are sorted by township, so each city is one range
    city_size: I64A
    activity: npt.NDArray[np.float32]
    home_cell: I64A
    home_ip: npt.NDArray[np.uint32]
    resident_id: pa.Array
    name: pa.Array

    def table(self, regions: Regions) -> pa.Table:
        """The people table."""
        towns = encode.take_strings(regions.town_codes, self.town)
        return pa.table(
            {
                "person_id": pa.array(np.arange(self.n, dtype=np.int64)),
                "resident_id": self.resident_id,
                "name_zh": self.name,
                "sex": encode.take_strings(["F", "M"], self.male.astype(np.int64)),
                "birth_date": pa.array(self.birth.astype("datetime64[D]")),
                "age": pa.array(self.age),
                "occupation": encode.take_strings(OCCUPATIONS, self.occupation),
                "home_region_code": towns,
                "household_id": pa.array(self.household),
            }
        )


def _age_pmf() -> npt.NDArray[np.float64]:
    """Hunan-like ages 0-95: 19.5 % under 15, 60.6 % 15-59, 19.9 % 60+ (2020 census)."""
    w = np.zeros(96)
    w[:15] = 0.195 / 15
    w[15:60] = 0.606 / 45
    tail = np.linspace(1.0, 0.05, 36)
    w[60:] = 0.199 * tail / tail.sum()
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


def _occupations(rng: np.random.Generator, age: npt.NDArray[np.int16]) -> npt.NDArray[np.int8]:
    """Occupation by age."""
    n = len(age)
    occ = np.full(n, OCCUPATIONS.index("unemployed"), dtype=np.int8)
    occ[age < 6] = OCCUPATIONS.index("child")
    school = (age >= 6) & (age < 19)
    occ[school] = OCCUPATIONS.index("student")
    uni = (age >= 19) & (age < 23)
    occ[uni] = np.where(rng.random(n)[uni] < 0.5, OCCUPATIONS.index("student"), occ[uni])
    work = (age >= 19) & (age < 63) & ~((age < 23) & (occ == OCCUPATIONS.index("student")))
    codes = np.array([c for c, _ in _WORK_MIX], dtype=np.int8)
    p = np.array([w for _, w in _WORK_MIX])
    occ[work] = codes[rng.choice(len(codes), size=int(work.sum()), p=p / p.sum())]
    old = age >= 63
    occ[old] = np.where(rng.random(n)[old] < 0.7, OCCUPATIONS.index("retired"), OCCUPATIONS.index("farmer"))
    return occ


def _resident_ids(
    rng: np.random.Generator,
    county_code: I64A,
    birth: npt.NDArray[np.datetime64],
    male: npt.NDArray[np.bool_],
) -> pa.Array:
    """Unique 18-character resident IDs: county, birth date, sequence (odd = male), check."""
    d = birth.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    head = county_code * 100_000_000 + y * 10_000 + m * 100 + dd
    seq = rng.integers(0, 450, size=len(head)) * 2 + male.astype(np.int64)
    for _ in range(50):
        body = head * 1000 + seq
        _, first = np.unique(body, return_index=True)
        dup = np.ones(len(body), dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        # Same place, date and sex: take the next free sequence number of the same parity.
        seq[dup] = (seq[dup] + 2 * rng.integers(1, 40, size=int(dup.sum()))) % 1000
    else:  # pragma: no cover - only with absurdly dense populations
        raise RuntimeError("could not make resident IDs unique")
    digits = encode.digit_matrix(head * 1000 + seq, 17)
    return encode.fixed_strings(encode.ascii_digits(digits), encode.id_check_chars(digits)[:, None])


def _names(rng: np.random.Generator, male: npt.NDArray[np.bool_]) -> pa.Array:
    """Synthetic Chinese names: a common surname and one or two given characters."""
    n = len(male)
    surname = encode.take_strings(list(_SURNAMES), rng.integers(0, len(_SURNAMES), n))
    given = list(_GIVEN_M) + list(_GIVEN_F)
    off = np.where(male, 0, len(_GIVEN_M))
    span = np.where(male, len(_GIVEN_M), len(_GIVEN_F))
    g1 = encode.take_strings(given, off + (rng.random(n) * span).astype(np.int64))
    second = off + (rng.random(n) * span).astype(np.int64)
    g2 = encode.take_strings([*given, ""], np.where(rng.random(n) < 0.7, second, len(given)))
    return pc.binary_join_element_wise(surname, g1, g2, "")


def build_population(n: int, seed: int, start: date, regions: Regions) -> Population:
    """n people spread over Hunan's townships by census weights."""
    rng = stream(seed, "population")
    per_county = rng.multinomial(n, regions.county_weight / regions.county_weight.sum())
    county = np.repeat(np.arange(len(per_county), dtype=np.int32), per_county)
    town_of_county = [np.flatnonzero(regions.town_county == c) for c in range(len(per_county))]
    town = np.empty(n, dtype=np.int32)
    pos = 0
    for c, k in enumerate(per_county):
        towns = town_of_county[c]
        town[pos : pos + k] = np.sort(towns[rng.integers(0, len(towns), size=k)])
        pos += k
    city = regions.county_city[county]
    age = rng.choice(96, size=n, p=_age_pmf()).astype(np.int16)
    male = rng.random(n) < 0.51
    start64 = np.datetime64(start, "D")
    birth = start64 - (age.astype(np.int64) * 365.2425 + rng.uniform(0, 365, n)).astype("timedelta64[D]")
    # The age on the first day follows from the birth date exactly.
    by = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    before = (birth - birth.astype("datetime64[Y]")).astype(np.int64) > (
        start64 - start64.astype("datetime64[Y]")
    ).astype(np.int64)
    age = (start.year - by - before).astype(np.int16)
    occupation = _occupations(rng, age)
    sizes = rng.choice(_HOUSEHOLD_SIZES, size=n // 2 + 2, p=_HOUSEHOLD_P)
    household = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)[:n]
    hh_first = np.flatnonzero(np.r_[True, household[1:] != household[:-1]])
    hh_len = np.diff(np.r_[hh_first, n])
    hh_id = np.cumsum(np.r_[True, household[1:] != household[:-1]]) - 1
    hh_start = hh_first[hh_id]
    hh_size = hh_len[hh_id].astype(np.int8)
    household = hh_id.astype(np.int64)
    employed = (age >= 19) & (age < 63) & (occupation != OCCUPATIONS.index("student"))
    work_group = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(employed)
    order = idx[np.lexsort((rng.random(len(idx)), county[idx]))]
    # Workplaces of about 12 people within one county.
    brk = np.r_[True, county[order][1:] != county[order][:-1]]
    gid = np.cumsum(brk | (np.arange(len(order)) % 12 == 0)) - 1
    work_group[order] = gid
    wg_members = order.astype(np.int64)
    wg_start = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if len(gid) else np.zeros(0, np.int64)
    wg_start = np.r_[wg_start, len(order)].astype(np.int64)
    cities = np.bincount(city, minlength=len(regions.city_codes))
    city_first = np.r_[0, np.cumsum(cities)[:-1]].astype(np.int64)
    activity = rng.lognormal(0.0, 0.5, n).astype(np.float32)
    activity *= np.where((age >= 18) & (age < 60), 1.0, 0.6).astype(np.float32)
    home_cell = regions.town_code_int[town] * 100 + rng.integers(0, 8, n)
    home_ip = (_IP_BLOCKS[rng.integers(0, len(_IP_BLOCKS), n)] << np.uint32(16)) | rng.integers(
        1, 65_535, n
    ).astype(np.uint32)
    county_code = np.array([int(c) for c in regions.county_codes], dtype=np.int64)[county]
    return Population(
        n=n,
        age=age,
        male=male,
        birth=birth,
        occupation=occupation,
        town=town,
        county=county,
        city=city.astype(np.int32),
        household=household,
        hh_start=hh_start.astype(np.int64),
        hh_size=hh_size,
        work_group=work_group,
        wg_start=wg_start,
        wg_members=wg_members,
        city_start=city_first[city],
        city_size=cities[city].astype(np.int64),
        activity=activity,
        home_cell=home_cell.astype(np.int64),
        home_ip=home_ip.astype(np.uint32),
        resident_id=_resident_ids(rng, county_code, birth, male),
        name=_names(rng, male),
    )
