"""Prevention at the moment it matters (Art 10, 12, 16, 17, 18¶2): checks at the counter, call and ATM."""
