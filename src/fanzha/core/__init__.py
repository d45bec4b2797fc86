"""Cross-cutting pieces every business area uses: settings, clock, errors, crypto."""
