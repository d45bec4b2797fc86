"""The serious-dishonesty list and joint punishment (Art 29, 37)."""
