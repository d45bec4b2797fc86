"""Fanzha (反诈): the Hunan anti-telecom and online fraud platform."""

__version__ = "0.1.0"
