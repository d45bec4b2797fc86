"""Closed vocabularies used in event and label columns."""

from __future__ import annotations

from fanzha.contracts import SCAM_CODES

LABELS = ("normal", *SCAM_CODES)
MESSAGE_CATEGORIES = (
    "family",
    "work",
    "friend",
    "bank_notice",
    "delivery",
    "verification",
    "marketing",
    "anti_fraud_warning",
    "scam_broadcast",
    "scam_script",
    "victim_reply",
)
CALL_CATEGORIES = ("scam_script", "scam_broadcast", "police_dissuasion", "call_centre")
CALLER_KINDS = ("sim_box", "roaming_card", "spoofed", "overseas", "police", "call_centre")
MONEY_PATTERNS = (
    "victim_payment",
    "fan_out",
    "chain",
    "scatter",
    "gather",
    "to_cashout_card",
    "atm_cashout",
    "crypto",
)
LAYERINGS = ("fan_out", "chain", "scatter_gather")
TERMINALS = ("atm", "crypto")
ROAMING = ("none", "domestic", "international")
GATEWAYS = ("local", "domestic", "international")
TXN_KINDS = ("bank_card", "payment_account", "cash", "wallet")
CHANNELS = ("qr", "transfer", "salary", "rent", "topup", "atm", "crypto_otc")
INSTALL_SOURCES = ("store", "sideload")


def cat(name: str) -> int:
    """Index of a message category."""
    return MESSAGE_CATEGORIES.index(name)
