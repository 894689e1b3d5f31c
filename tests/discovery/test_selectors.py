"""Discovery selectors: text search, similar creators, profile page data, compare."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from discovery import selectors
from discovery.models import Post, Profile
from tests.factories.discovery import (
    CreatorFactory,
    FollowerSnapshotFactory,
    NicheFactory,
    PostFactory,
    ProfileFactory,
)
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


def test_search_terms_drop_punctuation_and_cap_the_count() -> None:
    assert selectors.search_terms("  Vegan, 'recipes' & travel!! ") == ["vegan", "recipes", "travel"]
    assert len(selectors.search_terms(" ".join(f"w{i}" for i in range(20)))) == selectors.MAX_SEARCH_TERMS


def test_text_search_matches_word_prefixes_in_name_handle_and_bio() -> None:
    by_name = ProfileFactory(handle="aaa", name="Vegan Vera", bio="")
    by_bio = ProfileFactory(handle="bbb", name="B", bio="Vegetarian and vegan recipes")
    by_handle = ProfileFactory(handle="veganeats", name="C", bio="")
    ProfileFactory(handle="ccc", name="D", bio="steak house reviews")

    found = selectors.profile_text_search(Profile.objects.all(), text="vega")

    assert set(found.values_list("pk", flat=True)) == {by_name.pk, by_bio.pk, by_handle.pk}


def test_text_search_with_only_punctuation_returns_everything() -> None:
    ProfileFactory()

    assert selectors.profile_text_search(Profile.objects.all(), text="!!! ''").count() == 1


def _scored(
    handle: str, *, niche, followers: int, er: float, tier: str = "micro", creator=None, platform="instagram"
):
    profile = ProfileFactory(
        handle=handle, followers=followers, platform=platform, creator=creator or CreatorFactory()
    )
    if niche:
        profile.niches.add(niche)
    ProfileScoreFactory(profile=profile, tier=tier, er=er)
    return profile


def test_similar_creators_share_platform_tier_and_a_niche_nearest_first() -> None:
    fitness, food = NicheFactory(slug="fitness"), NicheFactory(slug="food")
    me = _scored("me", niche=fitness, followers=20_000, er=4.0)
    near = _scored("near", niche=fitness, followers=21_000, er=3.9)
    mid = _scored("mid", niche=fitness, followers=40_000, er=2.0)
    _scored("macro", niche=fitness, followers=21_000, er=4.0, tier="macro")
    _scored("tiktok", niche=fitness, followers=21_000, er=4.0, platform="tiktok")
    _scored("food", niche=food, followers=20_000, er=4.0)
    _scored("sibling", niche=fitness, followers=20_000, er=4.0, creator=me.creator)

    similar = selectors.profile_similar(profile=Profile.objects.select_related("score").get(pk=me.pk))

    assert [p.handle for p in similar] == [near.handle, mid.handle]


def test_similar_is_empty_for_an_unscored_profile() -> None:
    assert selectors.profile_similar(profile=ProfileFactory()) == []


def test_post_engagement_skips_hidden_likes_and_prefers_views() -> None:
    hidden = Post(likes=None, comments=5)
    photo = Post(likes=90, comments=10)
    video = Post(likes=90, comments=5, shares=5, views=1_000)

    assert selectors.post_engagement(hidden, followers=1_000) is None
    assert selectors.post_engagement(photo, followers=1_000) == pytest.approx(10.0)
    assert selectors.post_engagement(video, followers=1_000_000) == pytest.approx(10.0)


def test_profile_detail_reads_in_a_fixed_number_of_queries() -> None:
    fitness = NicheFactory(slug="fitness")
    me = _scored("me", niche=fitness, followers=20_000, er=4.0)

    def queries() -> int:
        profile = selectors.profile_get(profile_id=me.pk)
        with CaptureQueriesContext(connection) as ctx:
            selectors.profile_detail(profile=profile)
        return len(ctx.captured_queries)

    def add(day: int) -> None:
        FollowerSnapshotFactory(profile=me, captured_on=dt.date(2026, 1, day), followers=20_000 + day)
        PostFactory(profile=me)
        _scored(f"peer{day}", niche=fitness, followers=20_000 + day * 100, er=4.0)

    add(1)
    one_each = queries()
    for day in range(2, 20):
        add(day)

    assert queries() == one_each


def test_spike_days_mark_the_snapshot_that_reaches_the_flagged_gain() -> None:
    snapshots = [
        {"captured_on": dt.date(2026, 3, 1), "followers": 1_000},
        {"captured_on": dt.date(2026, 3, 2), "followers": 1_010},
        {"captured_on": dt.date(2026, 3, 3), "followers": 6_010},
        {"captured_on": dt.date(2026, 3, 4), "followers": 6_020},
    ]
    flagged = {"code": "follower_spike", "flagged": True, "gain": 5_000}
    quiet = {"code": "follower_spike", "flagged": False, "gain": 5_000}

    assert selectors._spike_days([flagged], snapshots) == ["2026-03-03"]
    assert selectors._spike_days([quiet], snapshots) == []


def test_compare_keeps_the_requested_order_and_drops_unknown_ids() -> None:
    a, b = ProfileFactory(), ProfileFactory()

    got = selectors.profiles_for_compare(ids=[b.pk, 999_999, a.pk])

    assert [p.pk for p in got] == [b.pk, a.pk]


def test_deferred_rows_page_like_the_queryset_with_rows_loaded() -> None:
    for followers in [500, 90_000, 12_000, 12_000, 40_000]:
        ProfileScoreFactory(profile=ProfileFactory(followers=followers))
    ordered = selectors.profile_order(selectors.profile_list(), ordering="-followers")
    rows = selectors.DeferredRows(ordered)

    page = rows[1:4]

    assert rows.count() == 5
    assert [p.pk for p in page] == list(ordered.values_list("pk", flat=True))[1:4]
    assert page[0].score.tier == "micro"  # score loaded with the row
    assert rows[10:12] == []


def test_search_count_is_exact_when_small_and_cached_briefly_when_large(monkeypatch) -> None:
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 3)
    for _ in range(2):
        ProfileFactory(country="GB")
    gb = Profile.objects.filter(country="GB")

    assert selectors.search_count(gb) == 2
    ProfileFactory(country="GB")
    assert selectors.search_count(gb) == 3, "totals up to the cap are counted on every request"

    ProfileFactory(country="GB")
    assert selectors.search_count(gb.order_by("-followers")) == 4  # above the cap: counted in full
    ProfileFactory(country="GB")
    # The same search in another order or page reuses the total for COUNT_CACHE_SECONDS...
    assert selectors.search_count(gb.order_by("id")) == 4
    assert selectors.DeferredRows(gb.order_by("id")).count() == 4
    # ...another search does not,
    assert selectors.search_count(Profile.objects.all()) == 5
    # and once the cached total expires, the search is counted again.
    cache.clear()
    selectors._fresh_totals.clear()  # this process's copy, kept while fresh: expired too
    assert selectors.search_count(gb) == 5


def _three_gb_profiles_on_a_clock(monkeypatch) -> tuple[QuerySet, str, list[float]]:
    """Three GB profiles (counted and cached as a large total), their search's count key, and a clock
    the count cache reads (advance ``clock[0]``)."""
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 1)
    clock = [2_000_000.0]
    monkeypatch.setattr(selectors.time, "time", lambda: clock[0])
    for _ in range(3):
        ProfileFactory(country="GB")
    gb = Profile.objects.filter(country="GB")
    key = selectors._count_key(*gb.order_by().values("pk").query.sql_with_params(), gb.db)
    return gb, key, clock


def test_a_fresh_total_is_served_without_asking_the_cache_again(monkeypatch) -> None:
    from django.core.cache import cache

    gb, key, clock = _three_gb_profiles_on_a_clock(monkeypatch)
    assert selectors.search_count(gb) == 3
    asked = []
    monkeypatch.setattr(cache, "get", lambda *args, **kwargs: asked.append(args))

    clock[0] += selectors.COUNT_CACHE_SECONDS - 1
    assert selectors.search_count(gb) == 3, "fresh: this process's copy"
    assert asked == []

    clock[0] += 1  # as old as the shared cache would no longer call fresh: asked again
    assert selectors.search_count(gb) == 3
    assert asked == [(key,)]


def test_a_total_counted_by_another_process_is_kept_only_while_fresh(monkeypatch) -> None:
    from django.core.cache import cache

    gb, key, clock = _three_gb_profiles_on_a_clock(monkeypatch)
    cache.set(key, (7, clock[0] - 50), 600)  # another worker counted 7, 50 s ago

    assert selectors.search_count(gb) == 7
    clock[0] += 9
    assert selectors.search_count(gb) == 7, "still fresh (59 s old)"
    clock[0] += 1
    assert selectors.search_count(gb) == 3, "60 s old: stale, nobody recounting, so recounted"


def test_a_stale_search_total_is_recounted_by_one_request_while_the_others_keep_it(monkeypatch) -> None:
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 1)
    clock = [1_000_000.0]
    monkeypatch.setattr(selectors.time, "time", lambda: clock[0])
    for _ in range(3):
        ProfileFactory(country="GB")
    gb = Profile.objects.filter(country="GB")
    lock = selectors._count_key(*gb.order_by().values("pk").query.sql_with_params(), gb.db) + ":recount"
    assert selectors.search_count(gb) == 3
    ProfileFactory(country="GB")

    clock[0] += selectors.COUNT_CACHE_SECONDS - 1
    assert selectors.search_count(gb) == 3, "fresh: the cached total"

    clock[0] += 2  # stale now, and another request is recounting it: it holds the recount lock
    assert cache.add(lock, 1, 30)
    assert selectors.search_count(gb) == 3, "stale while someone else recounts: the stale total"

    cache.delete(lock)  # that request finished (or its lock expired)
    assert selectors.search_count(gb) == 4, "stale and nobody recounting: this request recounts"
    assert cache.get(lock) is None, "the recount lock is released"
    ProfileFactory(country="GB")
    assert selectors.search_count(gb) == 4, "the recount is fresh again"


def test_large_totals_of_score_only_searches_and_their_pages(monkeypatch) -> None:
    """Above the exact bound, score-only searches are counted (and paged) on the score table on PostgreSQL."""
    from django.core.cache import cache
    from django.http import QueryDict

    from discovery.filters import ProfileFilterSet

    cache.clear()
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)
    micro = []
    for followers in (5_000, 50_000, 20_000, 20_000, 80_000):
        profile = ProfileFactory(followers=followers)
        ProfileScoreFactory(profile=profile, tier="micro", has_quoted_rate=True)
        micro.append(profile)
    ProfileScoreFactory(profile=ProfileFactory(followers=30_000), tier="micro", has_quoted_rate=False)
    ProfileScoreFactory(profile=ProfileFactory(followers=60_000), tier="macro", has_quoted_rate=True)
    ProfileFactory(followers=70_000)  # no score

    filterset = ProfileFilterSet(
        QueryDict("tier=micro&has_quoted_rate=true"), queryset=selectors.profile_list()
    )
    assert filterset.is_valid()
    rows = selectors.DeferredRows(filterset.qs)
    expected = [p.pk for p in sorted(micro, key=lambda p: (-p.followers, p.pk))]

    assert rows.count() == 5
    assert [p.pk for start in (0, 2, 4) for p in rows[start : start + 2]] == expected
