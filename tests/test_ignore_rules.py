"""The combined pattern that decides most paths of a .gitignore at once agrees with pathspec's own check."""

from __future__ import annotations

import itertools

from pathspec import GitIgnoreSpec

from infra_policy_linter.inputs.ignore import _Rules

PATTERNS = [
    "node_modules/",
    "*.pyc",
    "!keep.pyc",
    "/build",
    "**/.aws-sam/",
    ".env*",
    "a/**/b",
    "cdk.out",
    "!cdk.out/keep/",
    "dist/*.json",
    "\\#literal",
    "sp ace.tf",
    "[ab]c.yaml",
]
PATHS = [
    "node_modules/",
    "x/node_modules/",
    "node_modules",
    "m.pyc",
    "d/keep.pyc",
    "build",
    "build/",
    "src/build",
    "y/.aws-sam/",
    ".env.local",
    "a/b",
    "a/x/y/b",
    "a/bb",
    "cdk.out/",
    "cdk.out/keep/",
    "dist/x.json",
    "dist/sub/x.json",
    "#literal",
    "sp ace.tf",
    "ac.yaml",
    "cc.yaml",
    "main.tf",
    "stacks/template.yaml",
]


def test_rules_decide_every_path_as_pathspec_does() -> None:
    for size in (1, 2, 3, len(PATTERNS)):
        for chosen in itertools.islice(itertools.combinations(PATTERNS, size), 6):
            spec = GitIgnoreSpec.from_lines(list(chosen))
            rules = _Rules(spec)
            for path in PATHS:
                assert rules.decide(path) == spec.check_file(path).include, (chosen, path)
