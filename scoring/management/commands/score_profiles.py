"""python manage.py score_profiles [--all]: score dirty (or all) profiles in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.services import SCORING_BATCH_SIZE, scoring_run_sync


class Command(BaseCommand):
    help = "Score dirty profiles synchronously (--all: rescore every profile)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", dest="all", help="rescore every profile")
        parser.add_argument("--batch-size", type=int, default=SCORING_BATCH_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        run = scoring_run_sync(
            all_profiles=options["all"], batch_size=options["batch_size"], triggered_by="command"
        )
        self.stdout.write(
            f"Scoring run #{run.pk} {run.status}: {run.scored} scored, {run.failed} failed, "
            f"{run.batches} chunks in {run.duration_s or 0:.1f}s."
        )
        for error in run.errors[:10]:
            self.stderr.write(f"  {error}")
