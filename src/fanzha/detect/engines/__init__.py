"""The engines, one module per sector; each module lists its engines in ENGINES."""
