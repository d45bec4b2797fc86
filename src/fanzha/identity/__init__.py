"""Identity (Art 4, 6, 9, 26): organisations, users, roles, sessions and API keys."""
