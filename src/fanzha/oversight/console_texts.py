"""Console texts of oversight (Chinese, English)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "oversight.nav": ("考核通报", "Oversight"),
    "oversight.nav_scorecard": ("本机构考核", "Our scorecard"),
    "oversight.dashboard": ("全省反诈工作考核", "Province dashboard"),
    "oversight.basis": (
        "依据《湖南省反电信网络诈骗若干规定》第四条、第二十四条、第二十五条",
        "Under Articles 4, 24 and 25 of the Hunan provisions",
    ),
    "oversight.month": ("月份", "Month"),
    "oversight.show": ("查看", "Show"),
    "oversight.ranking": ("机构排名", "Ranking of institutions"),
    "oversight.rank": ("名次", "Rank"),
    "oversight.institution": ("机构", "Institution"),
    "oversight.sector": ("行业", "Sector"),
    "oversight.judgement": ("表扬 / 批评", "Praise / criticism"),
    "oversight.praise": ("通报表扬", "Praised"),
    "oversight.criticism": ("通报批评", "Criticised"),
    "oversight.scorecard": ("机构考核", "Scorecard"),
    "oversight.scorecard_note": (
        "本机构指标与本行业机构中位数对比（第二十五条）；不显示其他机构的数据",
        "Own figures against the sector's median (Art 25); no other institution's figures are shown",
    ),
    "oversight.indicator": ("指标", "Indicator"),
    "oversight.own": ("本机构", "Own"),
    "oversight.median": ("行业中位数", "Sector median"),
    "oversight.notifications": ("月度通报", "Monthly notifications"),
    "oversight.title": ("标题", "Title"),
    "oversight.status": ("状态", "Status"),
    "oversight.status.draft": ("草稿（待审核）", "Draft (for review)"),
    "oversight.status.published": ("已发布", "Published"),
    "oversight.published": ("发布时间", "Published"),
    "oversight.draft": ("生成通报草稿", "Draft a notification"),
    "oversight.publish": ("审核并发布", "Review and publish"),
    "oversight.note": ("审核意见", "Reviewer's note"),
}
