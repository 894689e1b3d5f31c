"""Scoring services: editable defaults, chunk scoring, the dirty set, runs."""

from scoring.services.chunk import ScoringContext, chunk_score_rows
from scoring.services.config import (
    quoted_rate_set,
    rate_cards_ensure_defaults,
    rate_cards_get,
    scoring_settings_changed,
    scoring_settings_get,
    tier_scheme_apply,
    tier_schemes_get,
    tiers_relabel,
)
from scoring.services.dirty import (
    profiles_mark_all_dirty,
    profiles_mark_dirty,
    profiles_mark_dirty_where,
)
from scoring.services.runs import (
    SCORING_BATCH_SIZE,
    profiles_claim,
    profiles_score_batch,
    scores_rerate,
    scores_write,
    scoring_dirty_kick,
    scoring_rescore_all,
    scoring_run_create,
    scoring_run_finish,
    scoring_run_step,
    scoring_run_sync,
)

__all__ = [
    "SCORING_BATCH_SIZE",
    "ScoringContext",
    "chunk_score_rows",
    "profiles_claim",
    "profiles_mark_all_dirty",
    "profiles_mark_dirty",
    "profiles_mark_dirty_where",
    "profiles_score_batch",
    "quoted_rate_set",
    "rate_cards_ensure_defaults",
    "rate_cards_get",
    "scores_rerate",
    "scores_write",
    "scoring_dirty_kick",
    "scoring_rescore_all",
    "scoring_run_create",
    "scoring_run_finish",
    "scoring_run_step",
    "scoring_run_sync",
    "scoring_settings_changed",
    "scoring_settings_get",
    "tier_scheme_apply",
    "tier_schemes_get",
    "tiers_relabel",
]
