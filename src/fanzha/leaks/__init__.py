"""Leak-source analysis (Art 26): which shop, courier or platform the targeted victims share."""
