"""infra-policy-linter: checks that Lambda destinations are allowed by the function's execution role."""

__version__ = "0.1.0"
TOOL_NAME = "infra-policy-linter"
INFORMATION_URI = "https://github.com/infra-policy-linter/infra-policy-linter"
