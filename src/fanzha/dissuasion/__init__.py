"""Dissuasion effect (Art 28¶2), publicity targeting (Art 7-8): backtests and campaign records."""
