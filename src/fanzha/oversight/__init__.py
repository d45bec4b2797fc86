"""Oversight (Art 4, 24, 25): indicators per institution, sector and region, monthly notifications."""
