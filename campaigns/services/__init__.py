"""Every write of campaigns: briefs, shortlist entries, pipeline moves, results; plus the suggestion."""

from campaigns.services._common import CAMPAIGN_FIELDS, ENTRY_FIELDS, RESULT_FIELDS
from campaigns.services.briefs import (
    campaign_archive,
    campaign_create,
    campaign_delete,
    campaign_duplicate,
    campaign_update,
)
from campaigns.services.results import ImportReport, result_delete, result_save, results_import
from campaigns.services.shortlists import entries_add, entry_add, entry_move, entry_remove, entry_update
from campaigns.services.suggestions import Pick, Suggestion, shortlist_suggest, suggestion_accept

__all__ = [
    "CAMPAIGN_FIELDS",
    "ENTRY_FIELDS",
    "RESULT_FIELDS",
    "ImportReport",
    "Pick",
    "Suggestion",
    "campaign_archive",
    "campaign_create",
    "campaign_delete",
    "campaign_duplicate",
    "campaign_update",
    "entries_add",
    "entry_add",
    "entry_move",
    "entry_remove",
    "entry_update",
    "result_delete",
    "result_save",
    "results_import",
    "shortlist_suggest",
    "suggestion_accept",
]
