"""Locust users for `bench/load.py`: institutions, police and people on the portal, with a realistic mix.

Keys and passwords come from the environment that `bench/load.py` sets; run through it, not alone.
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, task

BANK_KEY = os.environ.get("LOAD_BANK_KEY", "")
POLICE_KEY = os.environ.get("LOAD_POLICE_KEY", "")
OPERATOR_KEY = os.environ.get("LOAD_OPERATOR_KEY", "")
ANALYST_PASSWORD = os.environ.get("LOAD_ANALYST_PASSWORD", "")
KNOWN = int(os.environ.get("LOAD_KNOWN_SAMPLES", "10000"))
LIMITED = "rate limited (429)"
FRAUD_TYPES = ("fake_investment", "fake_police", "fake_loan", "order_brushing")


def phone(i: int) -> str:
    """The i-th number of the synthetic library (the loader published 0 … KNOWN-1)."""
    return f"+86139{i:08d}"


class Institution(FastHttpUser):
    """A bank's screening system: batch and single look-ups, sightings of what it found."""

    weight = 6
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {BANK_KEY}"}

    @task(6)
    def single_lookup(self) -> None:
        i = random.randrange(KNOWN * 2)  # half of the numbers are samples
        items = [{"kind": "phone", "value": phone(i)}]
        self.client.post("/api/v1/samples/lookup", json={"items": items}, headers=self.auth, name="lookup 1")

    @task(2)
    def batch_lookup(self) -> None:
        start = random.randrange(KNOWN * 2 - 1000)
        items = [{"kind": "phone", "value": phone(start + j)} for j in range(1000)]
        self.client.post(
            "/api/v1/samples/lookup", json={"items": items}, headers=self.auth, name="lookup 1000"
        )

    @task(1)
    def feed(self) -> None:
        self.client.get(
            f"/api/v1/samples/feed?after={random.randrange(KNOWN)}&limit=100", headers=self.auth, name="feed"
        )


class Police(FastHttpUser):
    """An anti-fraud centre's system publishing new samples as cases come in."""

    weight = 2
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {POLICE_KEY}"}

    @task
    def publish(self) -> None:
        body = {
            "kind": "phone",
            "value": f"+86138{random.randrange(10**8):08d}",  # routed to the operator (bench/load.py)
            "fraud_type": random.choice(FRAUD_TYPES),
            "confidence": random.randint(60, 100),
            "evidence": "load test",
        }
        self.client.post("/api/v1/samples", json=body, headers=self.auth, name="publish")


class Operator(FastHttpUser):
    """A telecom operator's system: fetches its new disposal orders and answers them in one bulk receipt."""

    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {OPERATOR_KEY}"}

    @task
    def answer_orders(self) -> None:
        page = self.client.get(
            "/api/v1/disposal/orders?status=issued&limit=100", headers=self.auth, name="orders"
        )
        if page.status_code != 200:
            return
        # notice_delivered: where the operator delivers the notice itself (Art 34¶1), it confirms so.
        items = [
            {"order_id": o["id"], "status": "executed", "notice_delivered": True}
            for o in page.json()["items"]
        ]
        if items:
            self.client.post(
                "/api/v1/disposal/receipts", json={"items": items}, headers=self.auth, name="receipts"
            )


class Analyst(FastHttpUser):
    """A police analyst browsing the console."""

    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.client.post(
            "/api/v1/auth/login", json={"username": "analyst", "password": ANALYST_PASSWORD}, name="login"
        )

    @task(3)
    def samples_page(self) -> None:
        self.client.get("/samples", name="console samples")

    @task(1)
    def stats_page(self) -> None:
        self.client.get("/samples/stats", name="console stats")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="console home")


class Person(FastHttpUser):
    """Someone checking a number on the public portal; the rate limit answers 429 past its share."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def check(self) -> None:
        body = {"kind": "phone", "value": phone(random.randrange(KNOWN * 2))}
        with self.client.post(
            "/api/v1/public/check", json=body, name="public check", catch_response=True
        ) as r:
            if r.status_code == 429:
                r.failure(LIMITED)  # limited as designed: bench/load.py counts these apart from errors
