"""Console texts of publicity targeting (Art 7-8)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "publicity.nav": ("精准宣传", "Publicity"),
    "publicity.title": ("反诈精准宣传", "Targeted anti-fraud publicity"),
    "publicity.basis": (
        "依据《湖南省反电信网络诈骗若干规定》第七条、第八条：结合重点行业、区域、群体特点和案件态势开展宣传教育，"
        "增强针对性、精准性。",
        "Art 7-8: publicity aimed by sector, region, group and case trends, for precision.",
    ),
    "publicity.month": ("月份", "Month"),
    "publicity.show": ("查看", "Show"),
    "publicity.no_data": (
        "未配置分析数据（FANZHA_ANALYSIS_PROVINCE_DIR），仅显示宣传活动记录。",
        "No analysis data configured (FANZHA_ANALYSIS_PROVINCE_DIR): campaign records only.",
    ),
    "publicity.at_risk": ("建议重点宣传对象", "Groups most at risk"),
    "publicity.profile": ("受害人画像", "Victim profile"),
    "publicity.dimension": ("维度", "Dimension"),
    "publicity.group": ("群体", "Group"),
    "publicity.value": ("群体代码", "Group code"),
    "publicity.victims": ("受害人数", "Victims"),
    "publicity.victim_share": ("受害人占比", "Share of victims"),
    "publicity.population_share": ("人口占比", "Share of population"),
    "publicity.ratio": ("风险倍数", "Risk ratio"),
    "publicity.campaigns": ("宣传活动记录", "Campaigns"),
    "publicity.held_on": ("日期", "Date"),
    "publicity.channel": ("渠道", "Channel"),
    "publicity.reach": ("覆盖人数", "Reach"),
    "publicity.note": ("备注", "Note"),
    "publicity.add": ("登记活动", "Record campaign"),
    "publicity.dim.region": ("地区", "Region"),
    "publicity.dim.age_band": ("年龄段", "Age band"),
    "publicity.dim.occupation": ("职业", "Occupation"),
    "publicity.dim.scam_type": ("诈骗类型", "Scam type"),
    "publicity.channel.sms": ("短信", "SMS"),
    "publicity.channel.call": ("电话", "Call"),
    "publicity.channel.visit": ("上门", "Visit"),
    "publicity.channel.lecture": ("讲座", "Lecture"),
    "publicity.channel.poster": ("海报", "Poster"),
    "publicity.channel.media": ("媒体", "Media"),
    "publicity.channel.online": ("网络", "Online"),
}
