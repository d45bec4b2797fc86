"""Domain events: written to an outbox in the same transaction, delivered at least once."""
