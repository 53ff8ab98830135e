"""Records tests/data/terraform_console_1_11.json: ``python3 record_terraform_console.py EXPRESSIONS OUT.json``,
where EXPRESSIONS holds one Terraform expression a line. Each is printed through jsonencode() by ``terraform
console`` run in an empty directory (no provider, no init), so that types survive; a row Terraform rejects is
recorded as ``"error": true``. Not run by the tests: CI has no terraform."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def record(expression: str) -> dict[str, object]:
    done = subprocess.run(
        ["terraform", "console", "-no-color"],
        input=f"jsonencode({expression})\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        return {"expression": expression, "error": True}
    # The console prints an HCL string literal: JSON's escapes, plus $${ and %%{ for template marks.
    literal = lines[-1].replace("$${", "${").replace("%%{", "%{")
    return {"expression": expression, "result": json.loads(json.loads(literal))}


def main() -> None:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    rows = [line for line in source.read_text().splitlines() if line.strip() and not line.startswith("#")]
    target.write_text(json.dumps([record(row) for row in rows], indent=1) + "\n")


if __name__ == "__main__":
    main()
