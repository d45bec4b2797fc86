"""Transfer-time decisions (Art 18¶4): sample payees, velocity, pass-through; state survives restarts."""
