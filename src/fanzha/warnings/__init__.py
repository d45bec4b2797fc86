"""Early warning and dissuasion (Art 4, 28¶2): signals → one warning per person and episode → contact."""
