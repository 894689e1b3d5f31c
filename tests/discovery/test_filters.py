"""ProfileFilterSet against an independent, plain-Python reading of the same catalogue."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.http import QueryDict

from discovery.filters import ProfileFilterSet
from discovery.selectors import DeferredRows, profile_list
from tests.discovery.catalogue import Row, build_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows() -> list[Row]:
    return build_catalogue()


def run(query: str) -> list[int]:
    filterset = ProfileFilterSet(QueryDict(query), queryset=profile_list())
    assert filterset.is_valid(), filterset.errors
    return [p.pk for p in filterset.qs]


def ge(value: float | Decimal | None, bound: float) -> bool:
    return value is not None and value >= bound


def le(value: float | Decimal | None, bound: float) -> bool:
    return value is not None and value <= bound


CASES: list[tuple[str, Callable[[Row], bool]]] = [
    ("niche=beauty", lambda r: "beauty" in r.niches),
    ("niche=beauty&niche=travel", lambda r: bool(r.niches & {"beauty", "travel"})),
    ("platform=tiktok", lambda r: r.platform == "tiktok"),
    ("platform=tiktok&platform=youtube", lambda r: r.platform in {"tiktok", "youtube"}),
    ("tier=micro", lambda r: r.tier == "micro"),
    ("followers_min=12000&followers_max=100000", lambda r: ge(r.followers, 12000) and le(r.followers, 1e5)),
    ("followers_min=100000", lambda r: ge(r.followers, 100000)),
    ("er_min=2.5&er_max=6", lambda r: ge(r.er, 2.5) and le(r.er, 6)),
    ("er_by=views&er_min=5", lambda r: ge(r.er_views, 5)),
    ("er_by=followers&er_max=3", lambda r: le(r.er_followers, 3)),
    ("tier_er_min=1.5", lambda r: ge(r.tier_relative_er, 1.5)),
    ("er_rating=good&er_rating=excellent", lambda r: r.scored and r.er_rating in {"good", "excellent"}),
    ("growth_30d_min=4", lambda r: ge(r.growth_30d_pct, 4)),
    ("quality_min=60", lambda r: ge(r.quality, 60)),
    ("country=gb", lambda r: r.country == "GB"),
    ("language=DE", lambda r: r.language == "de"),
    ("audience_country=GB", lambda r: r.audience_main_country == "GB"),
    ("audience_country=us&audience_country_min=25", lambda r: r.audience_countries.get("US", 0) >= 25),
    ("sponsored_max=20", lambda r: le(r.sponsored_share, 0.20)),
    ("price_min=100&price_max=800", lambda r: ge(r.price, 100) and le(r.price, 800)),
    ("has_quoted_rate=true", lambda r: r.scored and r.has_quoted_rate),
    ("has_quoted_rate=false", lambda r: r.scored and not r.has_quoted_rate),
    ("verified=true", lambda r: r.verified),
    (
        "niche=fitness&tier=micro&er_min=2&price_max=800",
        lambda r: "fitness" in r.niches and r.tier == "micro" and ge(r.er, 2) and le(r.price, 800),
    ),
    ("q=running", lambda r: "running" in r.bio.lower()),
    ("q=trail runn", lambda r: "trail" in r.bio.lower() and "running" in r.bio.lower()),
    ("q=glow", lambda r: "glow" in r.handle),
]


@pytest.mark.parametrize(("query", "predicate"), CASES, ids=[c[0] for c in CASES])
def test_filter_matches_plain_python(rows: list[Row], query: str, predicate: Callable[[Row], bool]) -> None:
    expected = {r.id for r in rows if predicate(r)}
    assert 0 < len(expected) < len(rows), "the catalogue must exercise both sides of the filter"

    got = run(query)

    assert set(got) == expected
    assert len(got) == len(set(got)), "a profile appears twice"


def _sorted_ids(rows: list[Row], key: Callable[[Row], object], descending: bool) -> list[int]:
    known = [r for r in rows if key(r) is not None]
    unknown = [r for r in rows if key(r) is None]
    known.sort(key=lambda r: r.id)
    known.sort(key=key, reverse=descending)  # stable: ties stay in id order
    return [r.id for r in known] + sorted(r.id for r in unknown)


ORDERINGS = [
    ("cpe", lambda r: r.cpe, False),
    ("-cpe", lambda r: r.cpe, True),
    ("price", lambda r: r.price, False),
    ("-followers", lambda r: r.followers, True),
    ("followers", lambda r: r.followers, False),
    ("-er", lambda r: r.er, True),
    ("engagement", lambda r: r.er, True),
    ("-er&er_by=views", lambda r: r.er_views, True),
    ("-growth_30d_pct", lambda r: r.growth_30d_pct, True),
    ("growth", lambda r: r.growth_30d_pct, True),
    ("-quality", lambda r: r.quality, True),
]


@pytest.mark.parametrize(("ordering", "key", "descending"), ORDERINGS, ids=[o[0] for o in ORDERINGS])
def test_ordering_puts_unknown_values_last(rows: list[Row], ordering: str, key, descending: bool) -> None:
    expected = _sorted_ids(rows, key, descending)

    got = run(f"ordering={ordering}")

    assert got == expected


def test_default_order_is_followers_descending(rows: list[Row]) -> None:
    assert run("") == _sorted_ids(rows, lambda r: r.followers, True)


def test_relevance_ranks_a_name_and_bio_match_above_a_bio_only_match(db) -> None:
    from tests.factories.discovery import ProfileFactory

    bio_only = ProfileFactory(handle="someone", name="Someone", bio="running shoes review")
    both = ProfileFactory(handle="runningjen", name="Running Jen", bio="running daily, running everywhere")

    got = run("q=running&ordering=relevance")

    assert got == [both.pk, bio_only.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("followers_min=lots", "followers_min"),
        ("tier=giant", "tier"),
        ("platform=myspace", "platform"),
        ("niche=no-such-niche", "niche"),
        ("country=Britain", "country"),
        ("quality_min=120", "quality_min"),
        ("ordering=shoe_size", "ordering"),
        ("has_quoted_rate=maybe", "has_quoted_rate"),
    ],
)
def test_bad_values_are_reported_per_field(db, query: str, field: str) -> None:
    filterset = ProfileFilterSet(QueryDict(query), queryset=profile_list())

    assert not filterset.is_valid()
    assert field in filterset.errors


def test_score_filtered_follower_order_follows_later_follower_changes(db) -> None:
    """On PostgreSQL this order reads the count copied onto the score row: the copy must follow changes."""
    from discovery.models import Profile
    from tests.factories.discovery import ProfileFactory
    from tests.factories.scoring import ProfileScoreFactory

    small, middle, large = (ProfileFactory(followers=f) for f in (10_000, 20_000, 30_000))
    for profile in (small, middle, large):
        ProfileScoreFactory(profile=profile, tier="micro")
    small.followers = 50_000
    small.save()  # a save of the profile
    Profile.objects.filter(pk=large.pk).update(followers=5_000)  # a bulk UPDATE (as imports write)
    late = ProfileFactory(followers=40_000)
    ProfileScoreFactory(profile=late, tier="micro")  # a score written after the profile

    assert run("tier=micro") == [small.pk, late.pk, middle.pk, large.pk]
    assert run("tier=micro&ordering=-followers") == [small.pk, late.pk, middle.pk, large.pk]


@pytest.mark.parametrize("ordering", ["price", "cpe", "-cpe"])
def test_follower_band_with_a_score_sort_matches_plain_python(rows: list[Row], ordering: str) -> None:
    band = [r for r in rows if ge(r.followers, 12000) and le(r.followers, 100000)]
    key = ordering.lstrip("-")
    expected = _sorted_ids(band, lambda r: getattr(r, key), ordering.startswith("-"))

    filterset = ProfileFilterSet(
        QueryDict(f"followers_min=12000&followers_max=100000&ordering={ordering}"), queryset=profile_list()
    )
    assert filterset.is_valid()
    pages = DeferredRows(filterset.qs)  # pages as the views do: known values first, then unknown
    got = [p.pk for start in range(0, len(band) + 7, 7) for p in pages[start : start + 7]]

    assert any(getattr(r, key) is None for r in band), "the band must hold rows without the value"
    assert got == expected
