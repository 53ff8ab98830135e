"""Inputs: which files a run reads (discovery, ignore rules, git's index), how they group into units (module calls,
pre-commit focus), and their bytes (sources)."""
