"""What happens: calls, SMS, chats, transactions, ATM events, web visits, app installs."""

from __future__ import annotations

from fanzha.contracts.base import BOOL, I32, I64, STR, TS, Contract, col

CALLS = Contract(
    "calls",
    "events",
    "Call detail records seen by the province's operators, one row per call attempt.",
    "call_id",
    (
        col("call_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "start of the call"),
        col("caller", STR, "calling number as presented: E.164, or bare digits for service numbers (96110)"),
        col("callee", STR, "called number (E.164)"),
        col("duration_s", I32, "seconds connected; 0 when not answered"),
        col("caller_imei", STR, "IMEI the call left from, when on a province network", null=True),
        col("cell_id", I64, "cell the caller used: township code × 100 + cell", null=True),
        col("roaming", STR, "none | domestic | international (caller's card roaming)"),
        col("gateway", STR, "local | domestic | international: where the call entered"),
    ),
)

SMS = Contract(
    "sms",
    "events",
    "Short messages delivered to numbers in the province.",
    "sms_id",
    (
        col("sms_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "delivery time"),
        col("sender", STR, "sending number: E.164, or bare digits for service numbers (95588, 12381)"),
        col("receiver", STR, "receiving number (E.164)"),
        col("text", STR, "message text"),
        col("sender_imei", STR, "IMEI of the sending handset or SIM box, if mobile", null=True),
        col("cell_id", I64, "sender's cell, if mobile in the province", null=True),
    ),
)

CHATS = Contract(
    "chats",
    "events",
    "Messages between internet accounts (WeChat, QQ, marketplaces, games, dating sites).",
    "chat_id",
    (
        col("chat_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "send time"),
        col("platform", STR, "internet platform"),
        col("sender", STR, "sending account 'platform:id'"),
        col("receiver", STR, "receiving account 'platform:id'"),
        col("text", STR, "message text"),
        col("sender_ip", STR, "sender's IPv4 address"),
    ),
)

TRANSACTIONS = Contract(
    "transactions",
    "events",
    "Money movements: bank transfers, payments, salaries, ATM withdrawals, crypto purchases. "
    "Follow money by matching dst_account to a later row's src_account.",
    "txn_id",
    (
        col("txn_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "time the money moved"),
        col("src_kind", STR, "bank_card | payment_account"),
        col("src_account", STR, "paying card number or 'platform:id'"),
        col("dst_kind", STR, "bank_card | payment_account | cash | wallet"),
        col("dst_account", STR, "receiving card, 'platform:id', 'atm:<atm_id>' or wallet address"),
        col("amount_fen", I64, "amount in fen (0.01 yuan)"),
        col("channel", STR, "qr | transfer | salary | rent | topup | atm | crypto_otc"),
        col("device_imei", STR, "handset that initiated a mobile payment", null=True),
    ),
)

ATM_EVENTS = Contract(
    "atm_events",
    "events",
    "ATM withdrawals as the bank sees them, with the camera's face analytics.",
    "event_id",
    (
        col("event_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "withdrawal time"),
        col("atm_id", STR, "ATM used"),
        col("card_number", STR, "card used"),
        col("amount_fen", I64, "amount withdrawn in fen"),
        col("txn_id", I64, "the matching row of transactions"),
        col("face_covered", BOOL, "camera saw a covered face (mask, hood, helmet)"),
        col("face_id", I64, "pseudonymous face cluster from the camera; null if covered", null=True),
        col("face_matches_holder", BOOL, "face matches the card holder's photo", null=True),
    ),
)

WEB_VISITS = Contract(
    "web_visits",
    "events",
    "Web requests from handsets (as an operator's DNS / HTTP logs would show them).",
    "visit_id",
    (
        col("visit_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "request time"),
        col("imei", STR, "handset"),
        col("ip", STR, "client IPv4 address"),
        col("url", STR, "URL requested"),
        col("domain", STR, "its registered domain"),
    ),
)

APP_INSTALLS = Contract(
    "app_installs",
    "events",
    "App installations on handsets.",
    "install_id",
    (
        col("install_id", I64, "event number, 0-based, in write order"),
        col("ts", TS, "install time"),
        col("imei", STR, "handset"),
        col("package", STR, "app package name"),
        col("source", STR, "store | sideload"),
        col("download_url", STR, "URL a sideloaded package came from", null=True),
    ),
)

TABLES: tuple[Contract, ...] = (
    CALLS,
    SMS,
    CHATS,
    TRANSACTIONS,
    ATM_EVENTS,
    WEB_VISITS,
    APP_INSTALLS,
)
