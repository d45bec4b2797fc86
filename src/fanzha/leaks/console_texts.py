"""Console texts of leak-source analysis (Art 26)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "leaks.nav": ("泄露溯源", "Leak sources"),
    "leaks.title": ("个人信息泄露源分析", "Leak-source analysis"),
    "leaks.basis": (
        "依据第二十六条：发现个人信息泄露的，应当立即查明原因并采取补救措施；"
        "排名按受害人占比与人口占比之比（提升度）及偶然概率。",
        "Art 26: a leak is traced and remedied; ranked by victims' share against population share (lift) "
        "and chance.",
    ),
    "leaks.no_data": ("未配置分析数据（FANZHA_ANALYSIS_PROVINCE_DIR）。", "No analysis data configured."),
    "leaks.candidates": ("可疑泄露源", "Candidate sources"),
    "leaks.reports": ("泄露线索", "Leak reports"),
    "leaks.rank": ("排名", "Rank"),
    "leaks.party": ("来源名称", "Source"),
    "leaks.party_id": ("来源编号", "Source id"),
    "leaks.kind": ("类型", "Kind"),
    "leaks.victims": ("涉及受害人", "Victims"),
    "leaks.victim_share": ("受害人占比", "Share of victims"),
    "leaks.population_share": ("人口占比", "Share of population"),
    "leaks.lift": ("提升度", "Lift"),
    "leaks.status": ("状态", "Status"),
    "leaks.significant": ("超出偶然", "Beyond chance"),
    "leaks.yes": ("是", "Yes"),
    "leaks.no": ("否", "No"),
    "leaks.updated": ("更新时间", "Updated"),
    "leaks.note": ("说明", "Note"),
    "leaks.record": ("登记线索", "Record lead"),
    "leaks.kind.merchant": ("商户", "Shop"),
    "leaks.kind.courier": ("快递网点", "Courier branch"),
    "leaks.kind.platform": ("平台", "Platform"),
    "leaks.kind.school": ("学校", "School"),
    "leaks.kind.hospital": ("医院", "Hospital"),
    "leaks.kind.other": ("其他", "Other"),
    "leaks.status.suspected": ("疑似", "Suspected"),
    "leaks.status.referred": ("已移交核查", "Referred"),
    "leaks.status.confirmed": ("已确认泄露", "Confirmed"),
    "leaks.status.dismissed": ("已排除", "Dismissed"),
}
