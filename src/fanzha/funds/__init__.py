"""Victims' money: cases, stop-payment, freeze, verification and return (Art 18¶4, 19, 35)."""
