"""`python -m fanzha.detect.realtime --port …`: the decision service alone (Art 18¶4)."""

from fanzha.detect.realtime.cli import main

main()
