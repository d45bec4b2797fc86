"""Fuzz every operation of the OpenAPI document as every role: no 5xx, no lying schema, no half-write.

FANZHA_FUZZ_PROFILE=fast (default, in `make test`) runs a few cases per operation; `full` (in
`make check-reliability`) runs enough for at least 5,000 cases. The count is printed at the end.
"""

from __future__ import annotations

import os
import time
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
from sqlalchemy import text

from tests.gates.world import FIGURES, ROLE_USERS, Gate

# Examples per operation: fast keeps `make test` quick, full gives ≥ 5,000 cases over the ~65 operations.
PROFILES = {"fast": 5, "full": 100}
PROFILE = os.environ.get("FANZHA_FUZZ_PROFILE", "fast")
# The document must be truthful: the body's schema, its content type (binary filters, TAXII) and headers.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
# Operations that end the fuzzing identities' own sessions or keys run last, so the rest run logged in.
LAST = ("/disable", "/reset-password", "/api-keys/{key_id}/revoke", "/unlock")


def _order(operation: Any) -> tuple[int, str]:
    path: str = operation.path
    return (1 if path.endswith(LAST) else 0, f"{path} {operation.method}")


def test_every_operation_as_every_role_keeps_its_schema_and_the_records_whole(gate: Gate) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", gate.app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=_order)
    identities = ["anonymous", *ROLE_USERS.values(), *gate.api_keys]
    examples = PROFILES[PROFILE]
    cases = 0
    failures: dict[str, str] = {}
    started = time.perf_counter()

    for operation in operations:

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=PROFILE == "fast",  # `make test` is repeatable; the full run explores
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
            ),
            who=st.sampled_from(identities),
        )
        def fuzz(case: Any, who: str) -> None:
            nonlocal cases
            headers, cookies = gate.auth_of(who) if who != "anonymous" else ({}, {})
            response = case.call(headers=headers, cookies=cookies)
            cases += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            fuzz()
        except Exception as error:  # noqa: BLE001 - collect every failing operation, then fail once
            failures[f"{operation.method.upper()} {operation.path}"] = str(error)[:2000]

    FIGURES[f"fuzz cases ({PROFILE})"] = cases
    FIGURES[f"fuzz operations × identities ({PROFILE})"] = f"{len(operations)} × {len(identities)}"
    FIGURES[f"fuzz seconds ({PROFILE})"] = round(time.perf_counter() - started, 1)
    assert not failures, "\n\n".join(f"{name}\n{message}" for name, message in failures.items())
    assert len(operations) >= 50 and cases >= len(operations) * min(examples, 3)
    if PROFILE == "full":
        assert cases >= 5000
    _assert_nothing_half_written(gate)


def _assert_nothing_half_written(gate: Gate) -> None:
    """Every reference resolves, the file is sound and the audit chain still verifies."""
    with gate.platform.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    entries, broken = gate.platform.auditor.verify()
    assert broken is None and entries > 0
