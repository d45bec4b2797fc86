"""The examples the API reference shows for the main operations are valid requests (issue 21 item 8)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from fanzha.appeals.schemas import AppealCreate
from fanzha.disposal.schemas import OrderCreate, ReceiptCreate
from fanzha.samples.schemas import LookupRequest, SamplePublish, SightingCreate, SubscriptionCreate
from fanzha.web.app import create_app

EXAMPLED = [
    AppealCreate,
    OrderCreate,
    ReceiptCreate,
    LookupRequest,
    SamplePublish,
    SightingCreate,
    SubscriptionCreate,
]


@pytest.mark.parametrize("model", EXAMPLED, ids=lambda m: m.__name__)
def test_each_example_validates_against_its_model(model: type[BaseModel]) -> None:
    examples = model.model_json_schema()["examples"]
    assert examples
    for example in examples:
        model.model_validate(example)


def test_the_examples_reach_the_openapi_document() -> None:
    schemas = create_app().openapi()["components"]["schemas"]
    for model in EXAMPLED:  # FastAPI qualifies names two packages share (…__schemas__ReceiptCreate)
        assert [k for k, v in schemas.items() if k.endswith(model.__name__) and v.get("examples")], model
