"""Appeals against disposal measures (Art 34, 29¶2)."""
