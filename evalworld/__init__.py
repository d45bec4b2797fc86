"""evalworld: an independent synthetic province used only to evaluate Fanzha's detection engines.

It writes the same tables as `fanzha.sim` (the `fanzha.contracts` schemas) from its own model of
fraud, written from public police descriptions; see README.md.
"""

from evalworld.params import Params

__all__ = ["Params"]
