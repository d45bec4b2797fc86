"""`python -m fanzha`: the command line, as the process supervisor starts it."""

from fanzha.cli import app

app()
