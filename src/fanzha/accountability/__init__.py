"""Accountability (Art 5, 6, 11, 15, 22, 24, 31, 36, 39-41): penalties, interviews, items, inspections."""
