"""Offerings and corporate events (§5). Built out with conversion."""
