"""A labelled synthetic corpus, owned by this project: Terraform, CloudFormation and SAM projects whose every
Lambda destination is granted, missing (DST001), granted elsewhere (DST002), denied (DST003) or not decidable
(DST004) by construction, next to unrelated files that must stay silent.

    python -m benchmarks.synthetic --out DIR --projects 200 [--seed 0] [--unrelated-ratio 4]
    lint --format json DIR > report.json   (from inside DIR)
    python -m benchmarks.synthetic --score DIR --report report.json

Project N is the same for a seed whatever the number of projects. `generate` returns the corpus (and writes
`labels.json`); `score` compares a JSON report with it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.synthetic import cloudformation, noise, terraform
from benchmarks.synthetic.labels import Label, Score, score
from benchmarks.synthetic.model import draw

__all__ = ["Corpus", "Label", "Score", "generate", "load", "score_report"]


@dataclass
class Corpus:
    root: Path
    labels: list[Label] = field(default_factory=list)
    project_files: list[str] = field(default_factory=list)  # files of the labelled projects
    noise_files: list[str] = field(default_factory=list)  # unrelated files: nothing may be reported in them
    templates: list[str] = field(default_factory=list)  # every CloudFormation/SAM template, labelled or not

    @property
    def files(self) -> int:
        return len(self.project_files) + len(self.noise_files)

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": [label.to_json() for label in self.labels],
            "project_files": self.project_files,
            "noise_files": self.noise_files,
            "templates": self.templates,
        }


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def generate(out: Path, projects: int, seed: int = 0, unrelated_ratio: int = 2) -> Corpus:
    """Write `projects` Terraform modules and as many templates (about a third of them SAM) under `out`."""
    out = Path(out)
    if (out / "labels.json").exists() or (out.exists() and any(out.iterdir())):
        raise FileExistsError(f"{out} is not empty")
    corpus = Corpus(out)
    for index in range(projects):
        pid = f"p{index:04d}"
        extra = random.Random(f"{seed}:{index}:noise")
        count = extra.randint(max(0, unrelated_ratio - 1), unrelated_ratio + 1) if unrelated_ratio else 0
        tf_noise = sum(extra.random() < 0.5 for _ in range(count))

        project = draw("terraform", index, seed)
        files, labels = terraform.render(project, random.Random(f"{seed}:{index}:terraform:text"))
        base = f"terraform/{pid}"
        for name, text in files.items():
            _write(out, f"{base}/{name}", text)
            corpus.project_files.append(f"{base}/{name}")
        corpus.labels += [Label(**{**lbl.to_json(), "path": f"{base}/{lbl.path}"}) for lbl in labels]
        for name, text in noise.terraform_files(extra, pid, tf_noise).items():
            _write(out, f"{base}/{name}", text)
            corpus.noise_files.append(f"{base}/{name}")

        fmt = "sam" if random.Random(f"{seed}:{index}:format").random() < 0.35 else "cloudformation"
        project = draw(fmt, index, seed)
        suffix, text, labels = cloudformation.render(project, random.Random(f"{seed}:{index}:{fmt}:text"))
        base = f"{fmt}/{pid}"
        rel = f"{base}/{'template' if fmt == 'sam' else 'stack'}.{suffix}"
        _write(out, rel, text)
        corpus.project_files.append(rel)
        corpus.templates.append(rel)
        corpus.labels += [Label(**{**lbl.to_json(), "path": rel}) for lbl in labels]
        others, templates = noise.template_files(extra, pid, count - tf_noise)
        for name, text in others.items():
            _write(out, f"{base}/{name}", text)
            corpus.noise_files.append(f"{base}/{name}")
        corpus.templates += [f"{base}/{name}" for name in templates]
    _write(out, "labels.json", json.dumps(corpus.to_json(), indent=1, sort_keys=True) + "\n")
    return corpus


def load(root: Path) -> Corpus:
    data = json.loads((Path(root) / "labels.json").read_text(encoding="utf-8"))
    return Corpus(
        Path(root),
        [Label.from_json(d) for d in data["labels"]],
        data["project_files"],
        data["noise_files"],
        data["templates"],
    )


def score_report(corpus: Corpus, report: dict[str, Any]) -> Score:
    return score(corpus.labels, report, set(corpus.project_files))
