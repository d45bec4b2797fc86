"""Tips from anyone (Art 30-32, 38): sealed reporters, receipt codes, triage, verification and rewards."""
