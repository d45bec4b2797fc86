"""The fraud sample library (涉诈样本, Art 27, 28¶1): publish, look up, revoke, push, filters."""
