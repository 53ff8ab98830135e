"""Reporters only format a finished report; they decide nothing."""
