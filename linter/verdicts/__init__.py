"""Verdicts: linking a function to its role and policies, the requests Lambda makes as that role, each request
decided once by the IAM evaluator, and what would decide the ones that stay unknown (remedies)."""
