"""Running the pipeline: units in parallel (engine), one unit start to finish (analysis), the result cache, and what
a run covered (coverage)."""
