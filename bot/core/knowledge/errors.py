"""Typed errors of the knowledge layer. Each carries what a moderator needs to fix the file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the knowledge base, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    fact_id: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        fact = f" fact '{self.fact_id}':" if self.fact_id else ""
        return f"{where}:{fact} {self.message}"


class KnowledgeBaseError(Exception):
    """The knowledge base could not be loaded; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(issues)
        count = len(self.issues)
        summary = "; ".join(str(i) for i in self.issues[:3])
        more = f" (and {count - 3} more)" if count > 3 else ""
        super().__init__(f"{count} problem(s) in the knowledge base: {summary}{more}")


class FactNotFound(LookupError):
    def __init__(self, fact_id: str) -> None:
        self.fact_id = fact_id
        super().__init__(f"no fact with id '{fact_id}'")
