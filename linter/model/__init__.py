"""The format-neutral model every front end resolves into: entities (functions, roles, policies, targets), values
that are only partly known, and the AWS formulas (ARNs, URLs) both front ends share."""
