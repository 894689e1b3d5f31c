"""Free-text relevance: classes (name/handle words before bio-only matches), then followers, then id.

The expected order is computed in plain Python from the rows; on PostgreSQL the pages come from the
follower walk and the per-class queries of ``selectors._relevance_page_ids``, and must equal it.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import QueryDict

from discovery import selectors
from discovery.filters import ProfileFilterSet
from discovery.models import Profile
from tests.factories.discovery import ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_count_cache():
    from django.core.cache import cache

    cache.clear()  # totals are cached by SQL: another test's catalogue must not answer


def _search(query: str):
    filterset = ProfileFilterSet(QueryDict(query), queryset=selectors.profile_list())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def _pages(query: str, size: int) -> list[int]:
    rows = selectors.DeferredRows(_search(query))
    total = rows.count()
    return [p.pk for start in range(0, total + size, size) for p in rows[start : start + size]]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _expected(query_words: list[str], profiles: list[Profile]) -> list[int]:
    """Plain-Python relevance: every word starts a name/handle word (2), some do or one word inside
    the handle (1), bio only (0); then followers descending (unknown last), then id."""

    def starts(word: str, text: str) -> bool:
        return any(w.startswith(word) for w in _words(text))

    def rank(p: Profile) -> int:
        names = f"{p.name} {p.handle}"
        hits = [starts(w, names) for w in query_words]
        if all(hits):
            return 2
        if any(hits) or (len(query_words) == 1 and len(query_words[0]) >= 3 and query_words[0] in p.handle):
            return 1
        return 0

    def matches(p: Profile) -> bool:
        doc = f"{p.name} {p.handle} {p.bio}"
        if connection.vendor != "postgresql":  # the SQLite fallback matches substrings anywhere
            return all(w in doc.lower() for w in query_words)
        one_substring = len(query_words) == 1 and len(query_words[0]) >= 3 and query_words[0] in p.handle
        return all(starts(w, doc) for w in query_words) or one_substring

    found = [p for p in profiles if matches(p)]
    found.sort(key=lambda p: (-rank(p), -(p.followers if p.followers is not None else -1), p.pk))
    return [p.pk for p in found]


def test_a_name_or_handle_hit_outranks_a_bio_only_hit_whatever_the_bio_says() -> None:
    big_bio = ProfileFactory(
        handle="someone", name="Someone", bio="vegan vegan vegan: vegan food, vegan life", followers=900_000
    )
    by_name = ProfileFactory(handle="jenruns", name="Vegan Jen", bio="", followers=1_200)
    by_handle = ProfileFactory(handle="veganeats", name="Eats", bio="food", followers=800)

    got = [p.pk for p in _search("q=vegan&ordering=relevance")]

    assert got == [by_name.pk, by_handle.pk, big_bio.pk]


def test_within_a_class_bigger_accounts_first_unknown_followers_last_then_id() -> None:
    small = ProfileFactory(handle="a1", name="Vegan A", followers=100)
    unknown = ProfileFactory(handle="a2", name="Vegan B", followers=None)
    big = ProfileFactory(handle="a3", name="Vegan C", followers=50_000)
    twin = ProfileFactory(handle="a4", name="Vegan D", followers=50_000)

    got = [p.pk for p in _search("q=vegan")]  # relevance is the default order with q

    assert got == [big.pk, twin.pk, small.pk, unknown.pk]


def test_two_words_all_in_names_then_some_then_bio_only() -> None:
    both = ProfileFactory(handle="coachrun", name="Running Coach", bio="", followers=10)
    one = ProfileFactory(handle="runningmum", name="Mum", bio="coach", followers=20)
    bio_only = ProfileFactory(handle="zed", name="Zed", bio="running coach", followers=30)
    ProfileFactory(handle="other", name="Other", bio="running only", followers=40)

    got = [p.pk for p in _search("q=running coach")]

    assert got == [both.pk, one.pk, bio_only.pk]


def _catalogue() -> list[Profile]:
    """60 profiles over the classes of "vegan" and "vegan recipes", with ties and unknown followers."""
    profiles = []
    for i in range(60):
        followers = None if i % 11 == 0 else (i * 7919) % 5_000
        kind = i % 5
        if kind == 0:
            attrs = {"name": f"Vegan {i}", "handle": f"veganrecipes{i}", "bio": "daily"}
        elif kind == 1:
            attrs = {"name": f"Cook {i}", "handle": f"greenvegan{i}", "bio": "vegan recipes"}
        elif kind == 2:
            attrs = {"name": f"Recipes {i}", "handle": f"cook{i}", "bio": "vegan lunches"}
        elif kind == 3:
            attrs = {"name": f"Blog {i}", "handle": f"blog{i}", "bio": "vegan recipes and more"}
        else:
            attrs = {"name": f"Steak {i}", "handle": f"steak{i}", "bio": "grill"}
        profile = ProfileFactory(followers=followers, **attrs)
        profile.tier = None
        if i % 3:
            profile.tier = "micro" if i % 3 == 1 else "macro"
            ProfileScoreFactory(profile=profile, tier=profile.tier, followers=followers or 0)
        profiles.append(profile)
    return profiles


@pytest.mark.parametrize("words", ["vegan", "vegan recipes", "veg", "recipes"])
@pytest.mark.parametrize(("walk_min", "walk_max"), [(50, 2000), (2, 40), (1, 8)])
@pytest.mark.parametrize("size", [1, 7, 25])
@pytest.mark.parametrize("profiles_estimate", [0.0, 1e9])
def test_every_page_matches_the_plain_python_order(
    monkeypatch, words, walk_min, walk_max, size, profiles_estimate
) -> None:
    """Small walks force the per-class queries, counts and deep-page paths on PostgreSQL; a large
    profile estimate makes the walk too dear, so every match is sorted in one query instead."""
    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: profiles_estimate)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MIN", walk_min)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MAX", walk_max)
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 5)  # class counts above it go through the cache
    profiles = _catalogue()
    expected = _expected(words.split(), profiles)
    assert len(expected) > 10

    assert _pages(f"q={words}", size) == expected
    generic = _search(f"q={words}")  # one ORDER BY (exports, SQLite): the same order
    assert list(generic.values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("query", ["q=vegan&tier=micro", "q=vegan recipes&tier=macro&ordering=relevance"])
def test_pages_under_score_filters_follow_the_score_rows_follower_copy(monkeypatch, query) -> None:
    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: 0.0)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MIN", 3)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MAX", 9)
    profiles = _catalogue()
    params = QueryDict(query)
    tier = params["tier"]
    scored = [p for p in profiles if p.tier == tier]
    expected = _expected(params["q"].split(), scored)
    assert len(expected) > 5

    assert _pages(query, 2) == expected


def test_the_relevance_walk_is_taken_on_postgresql_when_matches_are_common(
    monkeypatch, django_assert_num_queries
) -> None:
    """A first page is one walk query (the total is known by then), not a sort of every match."""
    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: 5.0)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MIN", 100)
    _catalogue()
    rows = selectors.DeferredRows(_search("q=vegan"))
    total = rows.count()
    assert total * total >= selectors.RELEVANCE_WALK_ROW_COST * selectors.RELEVANCE_WALK_MIN * 5

    with django_assert_num_queries(1):
        ids = rows._page_ids(0, 5)

    assert ids == _expected(["vegan"], list(Profile.objects.all()))[:5]
    if connection.vendor == "postgresql":
        assert selectors._relevance_page_ids(rows.queryset, 0, 5, total) == ids
    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: 1e9)  # rare matches: no walk
    assert selectors._relevance_page_ids(rows.queryset, 0, 5, total) is None


def test_the_profile_estimate_is_read_from_postgresql_and_kept_a_while() -> None:
    if connection.vendor != "postgresql":
        assert not selectors._is_postgres()
        return
    selectors._PROFILES_ESTIMATE.clear()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discovery_profile")
    ProfileFactory()
    first = selectors._profiles_estimate()
    assert first >= 0
    _catalogue()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discovery_profile")
    assert selectors._profiles_estimate() == first, "kept for PROFILES_ESTIMATE_SECONDS"
    selectors._PROFILES_ESTIMATE.clear()
    assert selectors._profiles_estimate() == 61


def _walks_and_class_reads(captured) -> tuple[int, int]:
    sqls = [q["sql"] for q in captured]
    walks = sum(1 for s in sqls if "ORDER BY" in s and "DESC NULLS LAST" in s and "CASE WHEN" in s)
    class_reads = sum(1 for s in sqls if "ORDER BY COALESCE" in s)
    return walks, class_reads


def test_a_top_class_absent_from_the_walk_is_read_by_itself(monkeypatch) -> None:
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: 0.0)
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MIN", 4)
    for i in range(30):
        ProfileFactory(handle=f"b{i}", name=f"B {i}", bio="vegan food", followers=1_000 + i)
    named = [ProfileFactory(handle=f"n{i}", name=f"Vegan {i}", bio="", followers=10 + i) for i in range(3)]
    rows = selectors.DeferredRows(_search("q=vegan"))
    total = rows.count()

    with CaptureQueriesContext(connection) as ctx:
        ids = rows._page_ids(0, 2)

    assert ids == [named[2].pk, named[1].pk]
    if connection.vendor == "postgresql":
        assert _walks_and_class_reads(ctx.captured_queries) == (1, 1)
        assert total == 33
        # The top class's names match implies the text filter: read from the names index alone.
        class_read = next(q["sql"] for q in ctx.captured_queries if "ORDER BY COALESCE" in q["sql"])
        assert "search_names" in class_read
        assert "search_document" not in class_read


def test_a_top_class_sparse_in_the_walk_walks_further(monkeypatch) -> None:
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(selectors, "_profiles_estimate", lambda: 0.0)  # walking costs nothing here
    monkeypatch.setattr(selectors, "RELEVANCE_WALK_MIN", 4)
    bio = [ProfileFactory(handle=f"b{i}", name=f"B {i}", bio="vegan", followers=1_000 + i) for i in range(30)]
    top = ProfileFactory(handle="n0", name="Vegan Top", bio="", followers=1_025)
    low = ProfileFactory(handle="n1", name="Vegan Low", bio="", followers=5)
    rows = selectors.DeferredRows(_search("q=vegan"))
    rows.count()

    with CaptureQueriesContext(connection) as ctx:
        ids = rows._page_ids(0, 3)

    assert ids == [top.pk, low.pk, bio[29].pk]
    if connection.vendor == "postgresql":
        walks, class_reads = _walks_and_class_reads(ctx.captured_queries)
        assert walks >= 2
        assert class_reads == 0
