"""Where things are written, and what is only a place and words: a file that could not be read, a suppression
comment. Findings, reports and the result cache need these without the model (entities.py), whose many classes
cost a cached run a noticeable part of its start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True)
class Location:
    path: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)
        if self.end_line == self.line and self.end_column < self.column:
            object.__setattr__(self, "end_column", self.column)


@dataclass
class ParseError:
    path: str
    line: int | None
    column: int | None
    message: str


@dataclass
class Suppression:
    """An inline ``lint:ignore`` comment or a CloudFormation Metadata entry, and the lines it covers."""

    rules: tuple[str, ...]
    reason: str
    location: Location  # where it is written
    start: int  # first and last line it covers, in location.path
    end: int
    expires: date | None = None
    problem: str | None = None  # malformed: why
