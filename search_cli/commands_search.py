"""Placeholder: `index`, `search`, `export` commands (being written)."""

COMMANDS: list = []
