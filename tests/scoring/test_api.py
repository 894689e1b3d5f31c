"""Scoring API: score detail for signed-in users, runs for admins only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scoring.services import scoring_run_sync
from tests.factories.discovery import PostFactory, ProfileFactory
from tests.factories.scoring import ScoringRunFactory

pytestmark = pytest.mark.django_db


def test_score_detail_has_provenance_and_as_of(brand_member):
    profile = ProfileFactory(followers=20_000)
    PostFactory(profile=profile, likes=200, comments=0)
    scoring_run_sync()
    client = APIClient()
    client.force_authenticate(brand_member)

    body = client.get(reverse("api:score-detail", args=[profile.pk])).json()

    assert body["er"] == pytest.approx(1.0)
    assert body["er_provenance"] == "measured"
    assert body["er_as_of"] is not None
    assert body["price_provenance"] == "estimated"
    assert {s["code"] for s in body["signals"]} >= {"follower_spike", "fake_followers"}


def test_score_detail_needs_login_and_404s_unknown(brand_member):
    client = APIClient()
    assert client.get(reverse("api:score-detail", args=[999])).status_code in (401, 403)
    client.force_authenticate(brand_member)
    assert client.get(reverse("api:score-detail", args=[999])).status_code == 404


def test_runs_are_for_admins_only(brand_owner, platform_admin, django_assert_max_num_queries):
    ScoringRunFactory.create_batch(3)
    client = APIClient()
    client.force_authenticate(brand_owner)
    assert client.get(reverse("api:scoring-run-list")).status_code == 403

    client.force_authenticate(platform_admin)
    with django_assert_max_num_queries(3):
        response = client.get(reverse("api:scoring-run-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 3
