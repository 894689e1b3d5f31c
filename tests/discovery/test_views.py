"""HTML views: search page and htmx fragment, profile page, compare, saved searches."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from discovery import selectors
from discovery.models import SavedSearch
from tests.factories.discovery import FollowerSnapshotFactory, NicheFactory, PostFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(brand_member) -> Client:
    client = Client()
    client.force_login(brand_member)
    return client


def _profile(handle: str, *, niche=None, followers: int = 25_000, **score):
    profile = ProfileFactory(handle=handle, followers=followers)
    if niche:
        profile.niches.add(niche)
    ProfileScoreFactory(profile=profile, **score)
    return profile


def test_search_page_lists_results_with_count_chips_and_provenance(web) -> None:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    _profile("glowjen", niche=beauty, er_provenance="imported")
    _profile("runsam")

    response = web.get("/", {"niche": "beauty"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="result-count">1</strong>' in html
    assert "@glowjen" in html
    assert "@runsam" not in html
    assert "Niches (any of): beauty" in html  # removable chip
    assert 'href="?"' in html  # removing the only chip leads back to everything
    assert 'title="Imported, as of 2026-11-01"' in html
    assert 'name="q"' in html
    assert "Save search" in html


def test_htmx_request_gets_only_the_results_fragment(web) -> None:
    _profile("glowjen")

    response = web.get("/", {"q": "glow"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "@glowjen" in html
    assert "<html" not in html
    assert 'id="search-form"' not in html
    assert 'data-query="q=glow"' in html


def test_pagination_keeps_the_filters_in_the_links(web) -> None:
    for i in range(3):
        _profile(f"acc{i}", followers=10_000 + i)

    html = web.get("/", {"tier": "micro", "page_size": 2}).content.decode()

    assert "Page 1 of 2" in html
    assert "?tier=micro&amp;page_size=2&amp;page=2" in html


def test_out_of_range_page_shows_the_last_page(web) -> None:
    _profile("only")

    response = web.get("/", {"page": 99})

    assert response.status_code == 200
    assert "@only" in response.content.decode()


def test_invalid_filters_explain_which_field_and_do_not_500(web) -> None:
    response = web.get("/", {"followers_min": "lots", "country": "Britain"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Some filters are not valid" in html
    assert "followers_min" in html
    assert "two-letter country code" in html


def test_empty_result_says_what_to_do(web) -> None:
    html = web.get("/", {"q": "nobodyhere"}).content.decode()

    assert "No profiles match these filters" in html


def _page_queries(web, n: int) -> int:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    for i in range(n):
        _profile(f"q{n}_{i}", niche=beauty)
    with CaptureQueriesContext(connection) as ctx:
        response = web.get("/", {"niche": "beauty", "page_size": 100}, headers={"HX-Request": "true"})
    assert response.content.decode().count('class="result"') == n
    return len(ctx.captured_queries)


def test_results_fragment_query_count_does_not_grow_with_rows(web) -> None:
    small = _page_queries(web, 2)
    ProfileFactory._meta.model.objects.all().delete()
    large = _page_queries(web, 40)

    assert small == large


def test_profile_page_shows_scores_signals_charts_and_similar(web) -> None:
    fitness = NicheFactory(slug="fitness", name="Fitness")
    profile = _profile(
        "runsam",
        niche=fitness,
        followers=30_000,
        er=4.2,
        tier_relative_er=1.8,
        er_rating="good",
        signals=[
            {
                "code": "follower_spike",
                "flagged": True,
                "sentence": "Gained 9,800 followers in a day against a usual 12.",
                "gain": 9_800 / 4,
            },
            {"code": "comment_like_ratio", "flagged": False, "sentence": "2.4 comments per 100 likes."},
            {"code": "a_future_signal", "flagged": False, "sentence": "Scored by a newer scorer."},
        ],
    )
    twin = _profile("runkim", niche=fitness, followers=32_000, er=4.0)
    far = _profile("runbig", niche=fitness, followers=95_000, er=1.0)
    _profile("otherniche", followers=30_000, er=4.2)
    for day, followers in [(1, 20_000), (5, 29_800), (20, 30_000)]:
        FollowerSnapshotFactory(profile=profile, captured_on=dt.date(2026, 3, day), followers=followers)
    PostFactory(profile=profile, likes=None, comments=10, caption="likes hidden")
    PostFactory(profile=profile, likes=1_200, comments=60)

    response = web.get(f"/profiles/{profile.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "1.8\u00d7 tier median ER" in html
    assert "Good" in html
    assert "Follower spikes" in html
    assert "<strong>Comments per like</strong>" in html  # a label for people, not the stored code
    assert "<strong>A future signal</strong>" in html  # a code without a label still reads as words
    assert "Gained 9,800 followers in a day against a usual 12." in html
    assert 'id="growth-chart"' in html
    assert 'id="er-chart"' in html
    spikes = html.split('id="spike-days" type="application/json">')[1].split("<")[0]
    assert json.loads(spikes) == ["2026-03-05"]
    assert "hidden" in html
    similar = html.split("Similar creators")[1]
    assert similar.index("@runkim") < similar.index("@runbig")
    assert "@otherniche" not in similar
    assert twin.pk != far.pk


def test_profile_page_of_an_unscored_account_explains_the_gaps(web) -> None:
    profile = ProfileFactory(handle="fresh")

    html = web.get(f"/profiles/{profile.pk}/").content.decode()

    assert "No follower snapshots yet." in html
    assert "No posts imported yet." in html


def test_unknown_profile_page_is_404(web) -> None:
    assert web.get("/profiles/999999/").status_code == 404


def test_compare_shows_two_to_five_profiles_in_the_requested_order(web) -> None:
    a, b, c = (_profile(h, price=Decimal(p)) for h, p in [("aa", "100"), ("bb", "200"), ("cc", "300")])

    html = web.get("/compare/", {"ids": f"{c.pk},{a.pk},{b.pk}"}).content.decode()

    assert html.index("@cc") < html.index("@aa") < html.index("@bb")
    assert "GBP 300" in html


def test_compare_marks_the_best_value_of_each_comparable_row(web) -> None:
    cheap = _profile("cheap", price=Decimal("100"), cpe=Decimal("0.5"), er=2.0, er_method="followers")
    lively = _profile("lively", price=Decimal("300"), cpe=Decimal("0.9"), er=6.0, er_method="followers")
    video = _profile("video", price=Decimal("200"), cpe=Decimal("0.7"), er=9.0, er_method="views")
    pair = f"{cheap.pk},{lively.pk}"

    best = selectors.compare_best(selectors.profiles_for_compare(ids=[cheap.pk, lively.pk]))
    with_video = selectors.compare_best(selectors.profiles_for_compare(ids=[cheap.pk, lively.pk, video.pk]))
    html = web.get("/compare/", {"ids": pair}).content.decode()

    assert best["price"] == {cheap.pk}
    assert best["cpe"] == {cheap.pk}
    assert best["er"] == {lively.pk}  # higher is better
    assert "er" not in with_video  # by views and by followers are not one measure
    assert with_video["price"] == {cheap.pk}
    cheap_price = html.split("Price / post")[1].split("</tr>")[0]
    assert cheap_price.count('class="num best"') == 1
    assert cheap_price.index("GBP 100") < cheap_price.index("best of these") < cheap_price.index("GBP 300")


def test_compare_marks_nothing_where_values_tie_are_unknown_or_in_two_currencies(web) -> None:
    gbp = _profile("gbp", price=Decimal("100"), currency="GBP", quality=80, growth_30d_pct=None)
    usd = _profile("usd", price=Decimal("90"), currency="USD", quality=80, growth_30d_pct=None)

    best = selectors.compare_best(selectors.profiles_for_compare(ids=[gbp.pk, usd.pk]))

    assert "price" not in best
    assert "cpe" not in best
    assert "quality" not in best  # a tie
    assert "growth_30d_pct" not in best  # unknown is never best


def test_compare_accepts_the_checkbox_form(web) -> None:
    a, b = _profile("aa"), _profile("bb")

    response = web.get(f"/compare/?ids={a.pk}&ids={b.pk}")

    assert response.status_code == 200
    assert "@aa" in response.content.decode()


@pytest.mark.parametrize(
    ("ids", "message"),
    [("1", "Choose 2 to 5 profiles"), ("1,2,3,4,5,6", "Choose 2 to 5 profiles"), ("1,x", "profile numbers")],
)
def test_compare_rejects_bad_id_lists_with_a_clear_message(web, ids: str, message: str) -> None:
    response = web.get("/compare/", {"ids": ids})

    assert response.status_code == 400
    assert message in response.content.decode()


def test_compare_names_missing_profiles(web) -> None:
    a = _profile("aa")

    response = web.get("/compare/", {"ids": f"{a.pk},999999"})

    assert response.status_code == 400
    assert "No profile with id 999999" in response.content.decode()


def test_save_search_form_saves_and_reopens_the_search(brand_member) -> None:
    NicheFactory(slug="beauty", name="Beauty")
    client = Client(enforce_csrf_checks=True)
    client.force_login(brand_member)
    client.get("/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/saved-searches/", {"name": "Beauty", "query": "niche=beauty&page=2", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert response["Location"] == "/?niche=beauty"
    saved = SavedSearch.objects.get(user=brand_member)
    assert saved.query == "niche=beauty"
    assert "Beauty" in client.get("/").content.decode()


def test_save_search_without_csrf_token_is_refused(brand_member) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(brand_member)

    response = client.post("/saved-searches/", {"name": "x", "query": ""})

    assert response.status_code == 403
    assert not SavedSearch.objects.exists()


def test_save_search_with_invalid_filters_shows_an_error(web) -> None:
    response = web.post("/saved-searches/", {"name": "bad", "query": "tier=giant"}, follow=True)

    assert "Search not saved" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_deleting_another_users_saved_search_is_404(web, other_brand_member) -> None:
    theirs = SavedSearch.objects.create(user=other_brand_member, name="theirs", query="")

    assert web.post(f"/saved-searches/{theirs.pk}/delete/").status_code == 404
    assert SavedSearch.objects.filter(pk=theirs.pk).exists()


def _profile_page_queries(web, profile, extra: int) -> tuple[int, str]:
    fitness = profile.niches.get()
    for i in range(extra):
        ProfileFactory(
            creator=profile.creator, handle=f"alt{i}_{extra}", platform="youtube", followers=1_000 + i
        )
        _profile(f"peer{i}_{extra}", niche=fitness, followers=30_000 + i, er=4.1)
    with CaptureQueriesContext(connection) as ctx:
        response = web.get(f"/profiles/{profile.pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_profile_page_lists_accounts_and_similar_creators_in_a_fixed_number_of_queries(web) -> None:
    # The other accounts and similar creators are read with only the fields the page shows: a
    # template touching another field would load it row by row, and the count would grow.
    profile = _profile("runsam", niche=NicheFactory(slug="fitness", name="Fitness"), followers=30_000, er=4.2)

    few, _ = _profile_page_queries(web, profile, 1)
    many, html = _profile_page_queries(web, profile, 4)

    assert few == many
    accounts = html.split('class="accounts"')[1].split("</nav>")[0]
    assert 'YouTube @alt3_4</a> <span class="muted">(1,003)</span>' in accounts
    similar = html.split("Similar creators")[1]
    assert '@peer0_4</a> <span class="muted">30,000 followers · ER 4.10 %</span>' in similar
