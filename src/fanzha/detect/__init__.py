"""Detection engines (Art 10-14, 16-18, 20-23, 27, 28): one Ibis definition on DuckDB and on PySpark."""
