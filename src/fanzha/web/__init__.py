"""The HTTP API and the server-rendered console."""
