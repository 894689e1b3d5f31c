"""Celery entry points for scoring (thin: ids in, one service call)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import OperationalError

from scoring.models import ScoringRun
from scoring.services import (
    SCORING_BATCH_SIZE,
    scoring_rescore_all,
    scoring_run_create,
    scoring_run_step,
    tiers_relabel,
)

logger = logging.getLogger(__name__)
NIGHTLY_LOCK = "scoring:nightly-rescore"


# Database hiccups (failover, lock timeout) are retried: a chunk is all-or-nothing, so a retry re-claims it.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=5, max_retries=3)
def score_dirty_profiles_task(run_id: int | None = None, batch_size: int = SCORING_BATCH_SIZE) -> int:
    """Score the next chunk of dirty profiles; re-enqueue while a full chunk was found."""
    if run_id is None:
        from scoring.selectors import active_run_exists, dirty_profile_count

        if not dirty_profile_count() or active_run_exists():
            return 0
        run_id = scoring_run_create(kind=ScoringRun.Kind.DIRTY, triggered_by="task").pk
    claimed = scoring_run_step(run_id=run_id, batch_size=batch_size)
    if claimed == batch_size:
        score_dirty_profiles_task.delay(run_id=run_id, batch_size=batch_size)
    return claimed


@shared_task(acks_late=True)
def rescore_all_profiles_task(parallel: int = 1) -> int | None:
    """Nightly full rescore; a cache lock keeps two from overlapping."""
    if not cache.add(NIGHTLY_LOCK, "1", timeout=60 * 60):
        logger.info("full rescore already started within the hour; skipping")
        return None
    return scoring_rescore_all(triggered_by="beat", parallel=parallel).pk


@shared_task(acks_late=True)
def relabel_tiers_task(platform: str) -> int:
    """Relabel a platform's tiers after its scheme changed, then rescore what moved."""
    changed = tiers_relabel(platform=platform)
    score_dirty_profiles_task.delay()
    return changed
