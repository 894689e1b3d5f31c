"""The organisation a user is working in right now (kept in the session, chosen in the header)."""

from __future__ import annotations

from django.http import HttpRequest

from core.models import Organisation
from core.selectors import member_organisations

SESSION_KEY = "microlens_organisation_id"


def current_organisation(request: HttpRequest) -> Organisation | None:
    """The session's organisation if the user still belongs to it, else their first one (by name)."""
    if not request.user.is_authenticated:
        return None
    if hasattr(request, "_microlens_current_org"):
        return request._microlens_current_org
    orgs = list(member_organisations(user=request.user))
    chosen = request.session.get(SESSION_KEY)
    current = next((org for org in orgs if org.pk == chosen), orgs[0] if orgs else None)
    request._microlens_current_org = current  # type: ignore[attr-defined]
    request._microlens_member_orgs = orgs  # type: ignore[attr-defined]
    return current


def current_organisation_set(request: HttpRequest, organisation: Organisation) -> None:
    """Remember the organisation chosen in the switcher for this session."""
    request.session[SESSION_KEY] = organisation.pk
    request._microlens_current_org = organisation  # type: ignore[attr-defined]
