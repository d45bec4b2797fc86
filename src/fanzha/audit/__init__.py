"""The audit log (Art 26): append-only, hash-chained with SM3."""
