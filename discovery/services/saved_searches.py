"""Writes of saved searches: a user's named search-page query strings."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict

from discovery.filters import ProfileFilterSet
from discovery.models import SavedSearch

# Pagination is not part of a search; a saved search always opens on page 1.
NOT_SAVED_PARAMS = {"page", "csrfmiddlewaretoken"}


def saved_search_normalise_query(*, query: str) -> str:
    """The query string without empty values and pagination; raises ValidationError for invalid filters."""
    data = QueryDict(query.lstrip("?"), mutable=True)
    clean = QueryDict(mutable=True)
    for key in data:
        if key in NOT_SAVED_PARAMS:
            continue
        values = [v for v in data.getlist(key) if v.strip()]
        if values:
            clean.setlist(key, values)
    filterset = ProfileFilterSet(clean)
    if not filterset.is_valid():
        errors = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in filterset.errors.items())
        raise ValidationError({"query": f"The search has invalid filters ({errors})."})
    return clean.urlencode()


@transaction.atomic
def saved_search_create(*, user: User, name: str, query: str) -> SavedSearch:
    """Save (or overwrite, by name) one of the user's searches."""
    name = name.strip()
    query = saved_search_normalise_query(query=query)
    existing = SavedSearch.objects.select_for_update().filter(user=user, name=name).first()
    saved = existing or SavedSearch(user=user, name=name)
    saved.query = query
    saved.full_clean()
    saved.save()
    return saved


def saved_search_delete(*, saved_search: SavedSearch) -> None:
    """Delete one saved search (callers have scoped it to its owner)."""
    saved_search.delete()
