"""The summary of an import (the ``import_profiles --json`` contract) and the import's size limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from discovery.importing.rows import CellProblem

# Rows parsed and written per transaction. 5,000 keeps a chunk's queries and memory small
# (a few MB) while the per-chunk overhead (existing-row lookups, checkpoint) stays under 5 %.
CHUNK_ROWS = 5_000
# Rows per INSERT ... ON CONFLICT statement.
BATCH_ROWS = 1_000
MAX_ERRORS_KEPT = 10_000
MAX_REJECTED_KEPT = 10_000
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".json", ".jsonl", ".ndjson")


@dataclass
class ImportSummary:
    """What an import did; ``created + updated + unchanged + rejected == total``."""

    kind: str
    file: str = ""
    status: str = "ok"
    message: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: int = 0
    blank_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_not_listed: int = 0
    snapshots: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    new_niches: list[str] = field(default_factory=list)
    platform: str | None = None
    snapshot_date: str | None = None
    format: str = ""
    encoding: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, list[str]] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    strict: bool = False
    committed: bool = True
    seconds: float = 0.0
    rows_done: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True when the import ran and its writes are committed."""
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary (the contract of ``import_profiles --json``); rejected rows excluded."""
        data = asdict(self)
        data.pop("rejected_rows")
        return data

    def job_fields(self) -> dict[str, Any]:
        """The ImportJob columns that mirror this summary (saved at each checkpoint and at the end)."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": self.errors,
            "rejected_rows": self.rejected_rows,
            "summary": self.as_dict(),
        }

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> ImportSummary:
        """Rebuild a summary saved by a job checkpoint."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def fail(self, message: str) -> ImportSummary:
        """Mark the import failed with a message for the admin; nothing more is written."""
        self.status = "failed"
        self.message = message
        return self

    def add_problems(self, problems: list[CellProblem]) -> None:
        """Keep the problems (up to MAX_ERRORS_KEPT; the rest are counted)."""
        for problem in problems:
            if problem.severity == "warning":
                self.warnings += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(problem.as_dict())
            else:
                self.errors_not_listed += 1


def _is_duplicate(reason: str) -> bool:
    return reason.startswith("duplicate")
