"""Who and what exists: people, businesses, cards, accounts, devices, sites, apps, wallets."""

from __future__ import annotations

from fanzha.contracts.base import BOOL, DATE, I16, I32, I64, STR, TS, Contract, col

PEOPLE = Contract(
    "people",
    "holdings",
    "Residents of the province; person_id is the row number.",
    "person_id",
    (
        col("person_id", I64, "row number, 0-based"),
        col("resident_id", STR, "18-character resident ID (GB 11643, ISO 7064 MOD 11-2 check)"),
        col("name_zh", STR, "synthetic Chinese name"),
        col("sex", STR, "M | F (matches the ID's 17th digit: odd for M)"),
        col("birth_date", DATE, "date of birth (matches the ID)"),
        col("age", I16, "age in whole years on the first simulated day"),
        col("occupation", STR, "student, farmer, worker, employee, civil_servant, ..."),
        col("home_region_code", STR, "9-digit township code of the home"),
        col("household_id", I64, "people sharing a household"),
    ),
)

BUSINESSES = Contract(
    "businesses",
    "holdings",
    "Employers, merchants and call centres; business_id is the row number.",
    "business_id",
    (
        col("business_id", I64, "row number, 0-based"),
        col("name_zh", STR, "synthetic Chinese name"),
        col("kind", STR, "employer | merchant | call_centre"),
        col("region_code", STR, "6-digit county code"),
    ),
)

PHONE_CARDS = Contract(
    "phone_cards",
    "holdings",
    "Mobile phone cards (SIMs) held in the province, with the real-name data of the opening.",
    "card_id",
    (
        col("card_id", I64, "row number, 0-based"),
        col("msisdn", STR, "number in E.164 form, e.g. +8613812345678"),
        col("operator_code", STR, "operator (see phone_segments)"),
        col("segment", STR, "number segment that routes the card"),
        col("is_virtual", BOOL, "card of a virtual operator (170, 171, 162, 165, 167)"),
        col("holder_person_id", I64, "registered holder, if a person", null=True),
        col("holder_business_id", I64, "registered holder, if a business", null=True),
        col("holder_resident_id", STR, "resident ID given at opening", null=True),
        col("opened_at", TS, "opening time"),
        col("opened_region_code", STR, "county where the card was opened"),
        col("outlet_id", I32, "sales outlet that opened the card"),
    ),
)

BANK_CARDS = Contract(
    "bank_cards",
    "holdings",
    "Bank cards (and, simplified, corporate settlement accounts) with Luhn-valid numbers.",
    "card_id",
    (
        col("card_id", I64, "row number, 0-based"),
        col("card_number", STR, "full card number, digits only"),
        col("bank_code", STR, "issuing bank (see bank_bins)"),
        col("bin", STR, "6-digit BIN"),
        col("card_type", STR, "debit | credit | corporate"),
        col("holder_person_id", I64, "holder, if a person", null=True),
        col("holder_business_id", I64, "holder, if a business", null=True),
        col("holder_resident_id", STR, "resident ID given at opening", null=True),
        col("opened_at", TS, "opening time"),
        col("opened_region_code", STR, "county of the opening branch"),
        col("bound_phone", STR, "phone number bound for notices (E.164)", null=True),
    ),
)

PAYMENT_ACCOUNTS = Contract(
    "payment_accounts",
    "holdings",
    "Accounts at payment institutions, written 'platform:id'.",
    "account_id",
    (
        col("account_id", I64, "row number, 0-based"),
        col("account", STR, "identifier 'platform:id', e.g. alipay:2088123456789012"),
        col("platform", STR, "payment platform (see platforms)"),
        col("account_type", STR, "personal | merchant"),
        col("holder_person_id", I64, "holder, if a person", null=True),
        col("holder_business_id", I64, "holder, if a business", null=True),
        col("bound_phone", STR, "phone number the account was registered with", null=True),
        col("linked_card_number", STR, "bank card linked for top-up and withdrawal", null=True),
        col("opened_at", TS, "opening time"),
    ),
)

DEVICES = Contract(
    "devices",
    "holdings",
    "Handsets and SIM boxes, by IMEI (14 digits + Luhn check digit).",
    "device_id",
    (
        col("device_id", I64, "row number, 0-based"),
        col("imei", STR, "15-digit IMEI"),
        col("kind", STR, "phone | sim_box"),
        col("brand", STR, "maker"),
        col("owner_person_id", I64, "owning person, if known", null=True),
        col("owner_business_id", I64, "owning business (call-centre gateways)", null=True),
        col("first_seen_at", TS, "first time the device was seen on a network"),
    ),
)

INTERNET_ACCOUNTS = Contract(
    "internet_accounts",
    "holdings",
    "Accounts on internet platforms, written 'platform:id', with their registration data.",
    "account_id",
    (
        col("account_id", I64, "row number, 0-based"),
        col("account", STR, "identifier 'platform:id', e.g. qq:123456789"),
        col("platform", STR, "internet platform (see platforms)"),
        col("holder_person_id", I64, "real-name holder, if known", null=True),
        col("registered_phone", STR, "phone number used to register (E.164)"),
        col("registered_imei", STR, "device used to register", null=True),
        col("registered_ip", STR, "IPv4 address at registration"),
        col("registered_at", TS, "registration time"),
    ),
)

URLS = Contract(
    "urls",
    "holdings",
    "Web addresses people visit or receive, with the facts of their domain.",
    "url_id",
    (
        col("url_id", I64, "row number, 0-based"),
        col("url", STR, "full URL"),
        col("domain", STR, "registered domain, lower case"),
        col("domain_registered_at", DATE, "domain registration date"),
        col("icp_filed", BOOL, "domain has an ICP filing"),
        col("title", STR, "page title as fetched"),
    ),
)

APPS = Contract(
    "apps",
    "holdings",
    "Mobile apps, by package name.",
    "app_id",
    (
        col("app_id", I64, "row number, 0-based"),
        col("package", STR, "Android package name"),
        col("name_zh", STR, "name shown to the user"),
        col("developer", STR, "developer as declared"),
        col("filed", BOOL, "app has a filing (备案) with the telecom regulator"),
        col("in_store", BOOL, "distributed through a licensed app store"),
    ),
)

WALLETS = Contract(
    "wallets",
    "holdings",
    "Crypto wallets seen in cash-out (USDT on TRON).",
    "wallet_id",
    (
        col("wallet_id", I64, "row number, 0-based"),
        col("address", STR, "TRON base58check address"),
        col("chain", STR, "blockchain"),
    ),
)

ATMS = Contract(
    "atms",
    "holdings",
    "Automated teller machines.",
    "atm_id",
    (
        col("atm_id", STR, "ATM code, e.g. ATM-ICBC-000123"),
        col("bank_code", STR, "bank operating the ATM"),
        col("region_code", STR, "9-digit township code of the ATM"),
    ),
)

TABLES: tuple[Contract, ...] = (
    PEOPLE,
    BUSINESSES,
    PHONE_CARDS,
    BANK_CARDS,
    PAYMENT_ACCOUNTS,
    DEVICES,
    INTERNET_ACCOUNTS,
    URLS,
    APPS,
    WALLETS,
    ATMS,
)
