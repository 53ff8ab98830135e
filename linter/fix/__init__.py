"""Fixes: where a grant goes, the writers that phrase it in each language, and ``--fix``, which applies them."""
