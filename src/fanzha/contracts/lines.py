"""Operators' line records (Art 11) and exchanges' fiat-crypto trade records (Art 33)."""

from __future__ import annotations

from fanzha.contracts.base import DATE, F64, I32, I64, STR, TS, Contract, col

LINE_RECORDS = Contract(
    "line_records",
    "events",
    "Voice private lines, trunk lines and SMS ports, one row per line and day as the operator's "
    "monitoring records it (Art 11): what the line did beside what was declared at access.",
    "record_id",
    (
        col("record_id", I64, "row number, 0-based"),
        col("day", DATE, "day of use (Asia/Shanghai)"),
        col("line_number", STR, "the line's number: E.164 for voice lines and trunks, 106… digits for ports"),
        col("line_kind", STR, "voice_line | trunk | sms_port"),
        col("operator_code", STR, "operator that gave access"),
        col("holder_business_id", I64, "business that holds the line (businesses.business_id)"),
        col(
            "declared_scenario", STR, "usage declared at access: customer_service | notification | marketing"
        ),
        col("declared_daily_volume", I64, "calls or messages a day declared at access"),
        col("declared_scope", STR, "destinations declared at access: local | province | national"),
        col("volume", I64, "calls placed or messages sent that day"),
        col("destinations", I64, "distinct numbers called or messaged that day"),
        col("out_of_scope_share", F64, "share of destinations outside the declared scope, 0-1"),
        col("short_share", F64, "share of calls unanswered or under 30 s, 0-1 (0 for SMS ports)"),
        col(
            "content_class",
            STR,
            "dominant content seen that day: customer_service | notification | marketing | financial "
            "| impersonation",
        ),
        col("complaints", I32, "complaints (12321 and the operator's own) about the line that day"),
    ),
)

OTC_TRADES = Contract(
    "otc_trades",
    "events",
    "Fiat-crypto trades (USDT) as exchanges and OTC desks record them: the account that paid or was "
    "paid in yuan, the merchant (承兑商) on the other side, the wallet credited or debited.",
    "trade_id",
    (
        col("trade_id", I64, "row number, 0-based, in time order"),
        col("ts", TS, "time of the trade"),
        col("exchange", STR, "exchange or platform that served the trade (its code)"),
        col("merchant", STR, "OTC merchant on the exchange, 'exchange:merchant'"),
        col("side", STR, "buy (yuan → USDT to the wallet) | sell (USDT from the wallet → yuan)"),
        col("account_kind", STR, "bank_card | payment_account"),
        col("account", STR, "card number or 'platform:id' that paid or received the yuan"),
        col("wallet", STR, "TRON address credited (buy) or debited (sell)"),
        col("amount_fen", I64, "yuan side of the trade, in fen"),
    ),
)

TABLES: tuple[Contract, ...] = (LINE_RECORDS, OTC_TRADES)
