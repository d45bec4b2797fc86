"""A synthetic Hunan province with ground truth, for demos, tests and benchmarks."""

from __future__ import annotations

from fanzha.sim.config import SimConfig

__all__ = ["SimConfig"]
