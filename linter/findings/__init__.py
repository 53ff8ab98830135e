"""Findings, as rules produce them, with inline suppressions and baselines applied after the rules."""
