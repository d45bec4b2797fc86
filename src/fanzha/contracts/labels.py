"""Ground truth: who is a fraud actor, what is a fraud object, which event belongs to a case."""

from __future__ import annotations

from fanzha.contracts.base import BOOL, I8, I16, I64, STR, TS, Contract, col

LABEL_GROUPS = Contract(
    "label_groups",
    "labels",
    "Fraud groups (诈骗团伙), each running one scam type.",
    "group_id",
    (
        col("group_id", I64, "group number"),
        col("scam_type", STR, "scam type code (see scam_types)"),
        col("base_country", STR, "ISO 3166 code where the group operates from"),
        col("uses_sim_box", BOOL, "group dials through SIM boxes in the province"),
    ),
)

LABEL_OBJECTS = Contract(
    "label_objects",
    "labels",
    "Every fraud actor and object, pointing at the row that holds it.",
    None,
    (
        col(
            "object_kind",
            STR,
            "phone | bank_card | payment_account | internet_account | url | domain | app | imei "
            "| ip | wallet | resident_id",
        ),
        col("identifier", STR, "canonical identifier of that kind"),
        col("source_table", STR, "table that holds the object"),
        col("object_id", I64, "key of the row in source_table; null when keyed by value", null=True),
        col(
            "role",
            STR,
            "fraud_card | sim_box | fraud_handset | overseas_number | spoofed_number "
            "| fraud_internet_account | fraud_url | fraud_domain | fraud_app | fraud_wallet "
            "| fraud_ip | collection_account | layering_account | cashout_card | trader | mule "
            "| casher | abnormal_line (Art 11) | otc_cashout_account (Art 33)",
        ),
        col("group_id", I64, "group the object serves; null for traders", null=True),
    ),
)

LABEL_CASES = Contract(
    "label_cases",
    "labels",
    "People the groups worked on: victims who paid and targets who engaged but did not pay.",
    "case_id",
    (
        col("case_id", I64, "case number"),
        col("group_id", I64, "group that ran the case"),
        col("scam_type", STR, "scam type code"),
        col("person_id", I64, "target (people.person_id)"),
        col("resident_id", STR, "target's resident ID"),
        col("age", I16, "target's age"),
        col("first_contact_at", TS, "first contact"),
        col("first_channel", STR, "call | sms | chat"),
        col("outcome", STR, "victim | engaged"),
        col("n_payments", I8, "payments made to the group"),
        col("loss_fen", I64, "total paid, in fen"),
        col("first_payment_at", TS, "first payment", null=True),
        col("dissuaded", BOOL, "police called the target (96110) during the case"),
    ),
)

LABEL_MONEY = Contract(
    "label_money",
    "labels",
    "The path of each victim's money: every fraud row of transactions, hop by hop.",
    "txn_id",
    (
        col("txn_id", I64, "row of transactions"),
        col("case_id", I64, "case the money came from"),
        col("payment_no", I8, "the victim's payment number within the case, from 1"),
        col("hop", I8, "0 = the victim's payment, then one per layer"),
        col(
            "pattern",
            STR,
            "victim_payment | fan_out | chain | scatter | gather | to_cashout_card | atm_cashout | crypto",
        ),
        col("layering", STR, "layering used for this payment: fan_out | chain | scatter_gather"),
        col("terminal", STR, "how this payment left the system: atm | crypto"),
    ),
)

LABEL_MESSAGES = Contract(
    "label_messages",
    "labels",
    "The truth about every SMS and chat message.",
    None,
    (
        col("channel", STR, "sms | chat"),
        col("message_id", I64, "sms.sms_id or chats.chat_id"),
        col("label", STR, "scam type code, or normal"),
        col(
            "category",
            STR,
            "family | work | friend | bank_notice | delivery | verification | marketing "
            "| anti_fraud_warning | scam_broadcast | scam_script | victim_reply",
        ),
        col("case_id", I64, "case, for scripted scam messages and replies", null=True),
        col("stage", I8, "script stage, from 1", null=True),
    ),
)

LABEL_CALLS = Contract(
    "label_calls",
    "labels",
    "The truth about calls that are not ordinary: scam calls and the hard negatives. "
    "Calls absent from this table are ordinary.",
    "call_id",
    (
        col("call_id", I64, "calls.call_id"),
        col("label", STR, "scam type code, or normal"),
        col(
            "category",
            STR,
            "scam_script | scam_broadcast | police_dissuasion | call_centre",
        ),
        col("case_id", I64, "case, for scripted scam calls", null=True),
        col(
            "caller_kind",
            STR,
            "sim_box | roaming_card | spoofed | overseas | police | call_centre",
        ),
    ),
)

TABLES: tuple[Contract, ...] = (
    LABEL_GROUPS,
    LABEL_OBJECTS,
    LABEL_CASES,
    LABEL_MONEY,
    LABEL_MESSAGES,
    LABEL_CALLS,
)
