"""Builders turn parsed documents into the format-neutral model, resolving references along the way."""
