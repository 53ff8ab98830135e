"""Parsers turn files into documents with source positions; they never decide verdicts."""
