"""``manage.py import_profiles PATH``: import creator data from the shell (same engine as the browser)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from discovery.importing.headers import KINDS
from discovery.services.imports import ImportSummary, import_file


class Command(BaseCommand):
    # The system checks load every URLconf and view module: 1 to 3 s of start-up for a data command
    # (py-spy), paid again by every import. ``manage.py check`` (pre-commit, CI) still runs them.
    requires_system_checks: list[str] = []

    help = (
        "Import profiles, follower snapshots, posts or follower samples from CSV, XLSX, JSON or JSON Lines. "
        "Prints a summary (total, created, updated, unchanged, rejected, errors)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="file to import")
        parser.add_argument("--kind", choices=KINDS, default="profiles")
        parser.add_argument(
            "--platform", help="instagram, tiktok or youtube, for files without a platform column"
        )
        parser.add_argument(
            "--snapshot-date", help="YYYY-MM-DD the file's numbers refer to (else from its name)"
        )
        parser.add_argument("--mapping", help='JSON file {"canonical column": "header in the file", ...}')
        parser.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")

    def handle(self, *args: Any, **options: Any) -> str | None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        snapshot_date = _date_option(options.get("snapshot_date"))
        mapping = _mapping_option(options.get("mapping"))
        bar = _progress_bar(options, self.stdout)
        try:
            summary = import_file(
                path=path,
                kind=options["kind"],
                platform=options.get("platform"),
                snapshot_date=snapshot_date,
                mapping=mapping,
                strict=options["strict"],
                progress=bar.update_to if bar else None,
            )
        finally:
            if bar:
                bar.close()
        if options["json"]:
            output = json.dumps(summary.as_dict(), ensure_ascii=False, default=str)
        else:
            output = _human(summary)
        if not summary.ok:
            self.stdout.write(output)
            raise CommandError(summary.message)
        return output


def _date_option(value: str | None) -> dt.date | None:
    """--snapshot-date as a date, or a clear error."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--snapshot-date must be YYYY-MM-DD, not {value!r}") from exc


def _mapping_option(value: str | None) -> dict[str, Any] | None:
    """--mapping FILE as a dict, or a clear error."""
    if not value:
        return None
    try:
        data = json.loads(Path(value).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"Cannot read the mapping file {value}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CommandError(f"The mapping file {value} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError('The mapping file must hold a JSON object, e.g. {"handle": "Youtuber"}.')
    return data


class _Bar:
    """A tqdm bar fed with (rows done, rows total), created at the first report (when the total is known)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.bar: Any = None

    def update_to(self, done: int, total: int) -> None:
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="rows", file=self.stream, ncols=80, disable=False)
        self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress_bar(options: dict[str, Any], stdout: Any) -> _Bar | None:
    """A progress bar when stdout is a terminal (drawn on stderr; never with --json or -v0)."""
    stream = getattr(stdout, "_out", stdout)
    if options["json"] or options.get("verbosity", 1) < 1 or not getattr(stream, "isatty", lambda: False)():
        return None
    return _Bar(sys.stderr)


def _human(summary: ImportSummary) -> str:
    """The summary for people."""
    lines = [
        f"{summary.file}: {summary.total} rows ({summary.kind}, {summary.format}, {summary.encoding})",
        f"  created {summary.created}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"rejected {summary.rejected} (of which {summary.duplicates} superseded duplicates)",
    ]
    if summary.kind == "profiles" and any(summary.snapshots.values()):
        s = summary.snapshots
        lines.append(
            f"  snapshots: created {s['created']}, updated {s['updated']}, unchanged {s['unchanged']}"
        )
    if summary.new_niches:
        lines.append(f"  new niches (uncurated): {', '.join(summary.new_niches[:20])}")
    lines += [f"  note: {note}" for note in summary.notes]
    for error in summary.errors[:20]:
        lines.append(f"  row {error['row']} [{error['column']}] {error['value']!r}: {error['reason']}")
    if len(summary.errors) > 20:
        lines.append(f"  ... {len(summary.errors) - 20 + summary.errors_not_listed} more (use --json)")
    if summary.message:
        lines.append(f"  {summary.message}")
    return "\n".join(lines)
