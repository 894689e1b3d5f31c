"""Write a synthetic creator catalogue as import-format CSVs (profiles, snapshots, posts)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from discovery.generator import DEFAULT_AS_OF, DEFAULT_CHUNK_SIZE, GenerationStats, generate_catalog


def _date(value: str) -> dt.date:
    """Parse --as-of (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of must be a date like 2026-11-16, not {value!r}") from exc


class Command(BaseCommand):
    help = "Generate N synthetic profiles with weekly snapshots and posts into DIR (streams in chunks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profiles", type=int, default=5_000, help="number of accounts (default 5000)")
        parser.add_argument("--seed", type=int, default=42, help="random seed; same seed, same files")
        parser.add_argument("--out", required=True, help="output directory (created if missing)")
        parser.add_argument("--as-of", type=_date, default=DEFAULT_AS_OF, help="date of the latest snapshot")
        parser.add_argument(
            "--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE, help="profiles generated per chunk"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["profiles"] < 1:
            raise CommandError(f"--profiles must be at least 1, not {options['profiles']}")
        if options["chunk_size"] < 1:
            raise CommandError(f"--chunk-size must be at least 1, not {options['chunk_size']}")
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out} exists and is not a directory")
        started = time.monotonic()

        def progress(done: int, total: int, stats: GenerationStats) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"[{done * 100 // total:3d}%] {done:,}/{total:,} profiles, {stats.snapshots:,} snapshots, "
                f"{stats.posts:,} posts ({elapsed:.1f}s)"
            )

        stats = generate_catalog(
            profiles=options["profiles"],
            seed=options["seed"],
            out_dir=out,
            as_of=options["as_of"],
            chunk_size=options["chunk_size"],
            on_chunk=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {stats.profiles:,} profiles, {stats.snapshots:,} snapshots and {stats.posts:,} posts "
                f"to {out} in {time.monotonic() - started:.1f}s"
            )
        )
