"""The vectorised check digits agree with the identifiers module on arbitrary inputs."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.identifiers import imei_check_digit, luhn_check_digit, luhn_valid, resident_id_check_char
from fanzha.sim import encode

digits = st.text(alphabet="0123456789", min_size=1, max_size=18)


def _matrix(values: list[str], width: int) -> np.ndarray:
    return np.array([[int(c) for c in v.zfill(width)] for v in values], dtype=np.uint8)


@settings(max_examples=200, deadline=None)
@given(st.lists(digits, min_size=1, max_size=20))
def test_luhn_digit_matches_reference(values: list[str]) -> None:
    width = max(len(v) for v in values)
    got = encode.luhn_digits(_matrix(values, width))
    for v, d in zip(values, got, strict=True):
        # Left zero padding does not change a Luhn sum.
        assert str(int(d)) == luhn_check_digit(v.zfill(width))
        assert luhn_valid(v.zfill(width) + str(int(d)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=20))
def test_resident_id_check_matches_reference(bodies: list[str]) -> None:
    got = encode.id_check_chars(_matrix(bodies, 17))
    for b, c in zip(bodies, got, strict=True):
        assert chr(int(c)) == resident_id_check_char(b)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=14, max_size=14), min_size=1, max_size=20))
def test_imei_check_matches_reference(bodies: list[str]) -> None:
    got = encode.luhn_digits(_matrix(bodies, 14))
    assert [str(int(d)) for d in got] == [imei_check_digit(b) for b in bodies]


def test_digit_matrix_and_strings_round_trip() -> None:
    values = np.array([0, 7, 12345, 99_999_999_999], dtype=np.int64)
    mat = encode.ascii_digits(encode.digit_matrix(values, 11))
    assert encode.rows_to_strings(mat).to_pylist() == [str(v).zfill(11) for v in values]


def test_unique_ints_are_distinct_and_avoid_taken() -> None:
    rng = np.random.default_rng(1)
    taken = np.arange(0, 500, dtype=np.int64)
    got = encode.unique_ints(rng, 400, 0, 1000, taken)
    assert len(np.unique(got)) == 400
    assert not np.isin(got, taken).any()
