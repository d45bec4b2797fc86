"""A local SMS sink for the demo: the gateway the platform sends to, and a page showing what arrived."""
