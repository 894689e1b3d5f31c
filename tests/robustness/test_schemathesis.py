"""schemathesis against /api/schema/ through the WSGI app (no network), as a brand member: no 500s."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from discovery.models import SavedSearch
from tests.factories.campaigns import CampaignFactory, PostResultFactory, ShortlistEntryFactory
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

# The schema view is public and reads no rows, so it loads at collection time (one test per operation).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@dataclass
class World:
    """Rows of the brand member's organisation that path parameters point at."""

    token: str
    ids: dict[str, int]


@pytest.fixture
def wsgi_keeps_test_connection() -> Iterator[None]:
    """Keep the test's DB connection across WSGI requests, as Django's test client does.

    The WSGI handler closes "old" connections at request start and end, which would close the
    connection holding the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, wsgi_keeps_test_connection, brand, brand_member) -> World:
    """A small scored catalogue and one campaign of the member's brand with a shortlisted, posted entry."""
    niche = NicheFactory(slug="beauty", name="Beauty")
    profiles = []
    for followers in (2_000, 40_000, 90_000):
        profile = ProfileFactory(followers=followers, country="GB")
        profile.niches.add(niche)
        ProfileScoreFactory(profile=profile)
        profiles.append(profile)
    campaign = CampaignFactory(organisation=brand)
    entry = ShortlistEntryFactory(campaign=campaign, profile=profiles[0])
    PostResultFactory(entry=entry)
    saved = SavedSearch.objects.create(user=brand_member, name="GB beauty", query="country=GB")
    return World(
        token=Token.objects.get_or_create(user=brand_member)[0].key,
        ids={
            "/api/campaigns/": campaign.pk,
            "entry_id": entry.pk,
            "/api/profiles/": profiles[1].pk,
            "profile_id": profiles[1].pk,
            "/api/niches/": niche.pk,
            "/api/saved-searches/": saved.pk,
        },
    )


def _point_at_real_rows(case, world: World) -> None:
    """Replace generated ids by ids of rows the member can reach, so writes get past the 404."""
    params = case.path_parameters or {}
    for name in list(params):
        if name == "id":
            prefix = next((p for p in world.ids if p.startswith("/") and case.path.startswith(p)), None)
            if prefix:
                params[name] = world.ids[prefix]
        elif name in world.ids:
            params[name] = world.ids[name]


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_a_server_error(case, world: World) -> None:
    _point_at_real_rows(case, world)

    # Each example starts from the same rows: its writes (a deleted campaign, a revoked token) roll back.
    with transaction.atomic():
        response = case.call(headers={"Authorization": f"Token {world.token}"})
        transaction.set_rollback(True)

    case.validate_response(response, checks=[not_a_server_error])
