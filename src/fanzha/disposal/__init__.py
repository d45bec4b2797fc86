"""Disposal orders to the responsible institutions (Art 11, 13, 18, 20, 23, 28¶1, 34¶1)."""
