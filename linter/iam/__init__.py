"""IAM policy semantics: pattern matching, evaluation and the AWS managed policy snapshot."""
