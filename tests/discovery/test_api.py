"""Profiles, niches and saved searches over the API: contract fields, filters, errors, query counts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from discovery.models import SavedSearch
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db

CONTRACT_FIELDS = {
    "id", "platform", "handle", "name", "followers", "tier", "er", "er_median", "er_method", "er_provenance",
    "growth_30d_pct", "quality", "price_low", "price_high", "currency", "expected_engagements", "cpe",
    "niches", "country", "language", "as_of",
}  # fmt: skip


@pytest.fixture
def api(brand_member) -> APIClient:
    client = APIClient()
    client.force_authenticate(brand_member)
    return client


def _scored(n: int, niche=None, **score) -> list:
    profiles = []
    for _ in range(n):
        profile = ProfileFactory()
        if niche:
            profile.niches.add(niche)
        ProfileScoreFactory(profile=profile, **score)
        profiles.append(profile)
    return profiles


def test_list_carries_every_contract_field_with_er_in_percent(api) -> None:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    profile = ProfileFactory(handle="glowjen", followers=25_000, country="GB", language="en")
    profile.niches.add(beauty)
    ProfileScoreFactory(profile=profile, er=3.25, price=Decimal("250.00"), expected_engagements=812.5)

    body = api.get(reverse("api:profile-list")).json()

    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) >= CONTRACT_FIELDS
    assert row["er"] == 3.25
    assert row["niches"] == ["beauty"]
    assert row["tier"] == "micro"
    assert row["price_low"] == 200.0
    assert row["cpe"] == pytest.approx(250 / 812.5, abs=1e-4)
    assert row["as_of"] == "2026-11-01"


def test_unscored_profile_has_nulls_not_zeros(api) -> None:
    ProfileFactory(handle="fresh")

    row = api.get(reverse("api:profile-list")).json()["results"][0]

    assert row["er"] is None
    assert row["tier"] is None
    assert row["cpe"] is None


def test_detail_includes_signals_and_bio(api) -> None:
    profile = ProfileFactory(bio="Trail running")
    signal = {"code": "follower_spike", "flagged": True, "sentence": "Gained 9,800 followers on 3 Oct."}
    ProfileScoreFactory(profile=profile, signals=[signal])

    body = api.get(reverse("api:profile-detail", args=[profile.pk])).json()

    assert body["bio"] == "Trail running"
    assert body["signals"] == [signal]
    assert set(body) >= CONTRACT_FIELDS


def test_unknown_profile_is_404(api) -> None:
    assert api.get(reverse("api:profile-detail", args=[987654])).status_code == 404


def test_contract_filters_and_ordering_combine(api) -> None:
    fitness = NicheFactory(slug="fitness", name="Fitness")
    cheap_good = _scored(1, fitness, er=4.0, price=Decimal("150.00"), expected_engagements=1000.0)[0]
    pricey = _scored(1, fitness, er=4.0, price=Decimal("900.00"), expected_engagements=1000.0)[0]
    other_niche = _scored(1, None, er=4.0, price=Decimal("100.00"))[0]
    low_er = _scored(1, fitness, er=1.0, price=Decimal("100.00"))[0]
    cheapest_cpe = _scored(1, fitness, er=5.0, price=Decimal("50.00"), expected_engagements=1000.0)[0]

    body = api.get(
        reverse("api:profile-list"),
        {"niche": "fitness", "tier": "micro", "er_min": "2", "price_max": "500", "ordering": "cpe"},
    ).json()

    ids = [r["id"] for r in body["results"]]
    assert ids == [cheapest_cpe.pk, cheap_good.pk]
    assert pricey.pk not in ids
    assert other_niche.pk not in ids
    assert low_er.pk not in ids


def test_bad_filter_is_400_naming_the_parameter(api) -> None:
    response = api.get(reverse("api:profile-list"), {"followers_min": "many", "tier": "huge"})

    assert response.status_code == 400
    assert set(response.json()) >= {"followers_min", "tier"}


def test_page_size_is_capped_at_100(api) -> None:
    for _ in range(3):
        ProfileFactory()

    body = api.get(reverse("api:profile-list"), {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 1
    assert body["previous"] is not None


def _list_queries(api, n: int) -> int:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    _scored(n, beauty)
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(reverse("api:profile-list"), {"niche": "beauty", "page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] == n
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(api, django_assert_num_queries) -> None:
    small = _list_queries(api, 2)
    SavedSearch.objects.all().delete()
    ProfileFactory._meta.model.objects.all().delete()
    large = _list_queries(api, 30)

    assert small == large
    # niche choice validation, count, page ids, page rows, niches prefetch
    with django_assert_num_queries(5):
        api.get(reverse("api:profile-list"), {"niche": "beauty"})


def test_niches_are_listed_by_name(api) -> None:
    NicheFactory(slug="travel", name="Travel")
    NicheFactory(slug="beauty", name="Beauty")

    body = api.get(reverse("api:niche-list")).json()

    assert [n["slug"] for n in body["results"]] == ["beauty", "travel"]


def test_saved_search_create_list_and_overwrite_by_name(api, brand_member) -> None:
    NicheFactory(slug="beauty", name="Beauty")
    url = reverse("api:saved-search-list")

    first = api.post(url, {"name": "UK beauty", "query": "niche=beauty&country=GB&page=3"}, format="json")
    again = api.post(url, {"name": "UK beauty", "query": "niche=beauty&country=US"}, format="json")

    assert first.status_code == 201
    assert first.json()["query"] == "niche=beauty&country=GB"  # the page is not part of a search
    assert again.status_code == 201
    listed = api.get(url).json()["results"]
    assert [(s["name"], s["query"]) for s in listed] == [("UK beauty", "niche=beauty&country=US")]
    assert listed[0]["url"] == "/?niche=beauty&country=US"


def test_saved_search_with_invalid_filters_is_400(api) -> None:
    response = api.post(
        reverse("api:saved-search-list"), {"name": "bad", "query": "followers_min=lots"}, format="json"
    )

    assert response.status_code == 400
    assert "followers_min" in str(response.json())
    assert not SavedSearch.objects.exists()


def test_saved_search_with_blank_name_is_400(api) -> None:
    response = api.post(reverse("api:saved-search-list"), {"name": "  ", "query": ""}, format="json")

    assert response.status_code == 400


def test_another_users_saved_search_is_404_and_survives_delete(api, other_brand_member) -> None:
    theirs = SavedSearch.objects.create(user=other_brand_member, name="theirs", query="tier=micro")

    assert api.get(reverse("api:saved-search-detail", args=[theirs.pk])).status_code == 404
    assert api.delete(reverse("api:saved-search-detail", args=[theirs.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()
    assert api.get(reverse("api:saved-search-list")).json()["count"] == 0


def test_own_saved_search_can_be_deleted(api, brand_member) -> None:
    mine = SavedSearch.objects.create(user=brand_member, name="mine", query="tier=micro")

    assert api.delete(reverse("api:saved-search-detail", args=[mine.pk])).status_code == 204
    assert not SavedSearch.objects.exists()


def test_schema_documents_the_profile_filters(api) -> None:
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    params = {p["name"] for p in response.json()["paths"]["/api/profiles/"]["get"]["parameters"]}
    assert params >= {"q", "niche", "platform", "tier", "followers_min", "er_min", "price_max", "ordering"}


@pytest.mark.parametrize("scored", [True, False])
def test_fast_representation_matches_the_declared_fields(scored: bool) -> None:
    from rest_framework import serializers
    from rest_framework.renderers import JSONRenderer

    from discovery.api.serializers import ProfileDetailOutputSerializer, ProfileOutputSerializer
    from discovery.selectors import profile_get

    profile = ProfileFactory(bio="Trail running", audience_countries={"GB": 40.0})
    profile.niches.add(NicheFactory(slug="fitness"))
    if scored:
        ProfileScoreFactory(profile=profile, signals=[{"code": "x", "flagged": False, "sentence": "ok"}])
    profile = profile_get(profile_id=profile.pk)

    for serializer_class in (ProfileOutputSerializer, ProfileDetailOutputSerializer):
        serializer = serializer_class(profile)
        declared = serializers.ModelSerializer.to_representation(serializer, profile)
        rendered = JSONRenderer().render
        assert json.loads(rendered(serializer.data)) == json.loads(rendered(declared))


def test_every_page_of_a_score_filtered_follower_sort_in_order(api) -> None:
    """Pages past the middle are read from the end on PostgreSQL; together they are the whole order."""
    counts = [30_000, 12_000, 99_000, 12_000, None, 45_000, 3_000, 12_000, 70_000]
    micro = []
    for followers in counts:
        profile = ProfileFactory(followers=followers)
        ProfileScoreFactory(profile=profile, tier="micro")
        micro.append(profile)
    ProfileScoreFactory(profile=ProfileFactory(followers=50_000), tier="macro")
    expected = [p.pk for p in sorted(micro, key=lambda p: (p.followers is None, -(p.followers or 0), p.pk))]

    got = []
    for page in range(1, 6):
        body = api.get(reverse("api:profile-list"), {"tier": "micro", "page_size": 2, "page": page}).json()
        assert body["count"] == len(micro)
        got += [r["id"] for r in body["results"]]

    assert got == expected
