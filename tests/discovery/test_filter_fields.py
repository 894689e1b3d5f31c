"""The search page's filter form, rendered once per query shape and niche list (discovery.views)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from discovery import views
from tests.factories.discovery import NicheFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "niche=beauty&tier=micro&er_min=2&price_max=500",
    "niche=beauty&niche=nope&er_min=abc&country=GBR&followers_min=-5",  # errors shown in the form
    "ordering=engagement&platform=tiktok&platform=youtube&er_by=views",
    "q=%3Cb%3Ebold%3C%2Fb%3E&verified=true&page=2&page_size=50",
]


@pytest.fixture
def web(brand_member) -> Client:
    client = Client()
    client.force_login(brand_member)
    return client


@pytest.fixture(autouse=True)
def _cold_cache():
    views.filter_fields.clear()
    yield
    views.filter_fields.clear()


def _page(client: Client, query: str) -> str:
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    # The CSRF token is masked differently on every response.
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1X", response.content.decode())


def _form(html: str) -> str:
    start = html.index('<form id="search-form"')
    return html[start : html.index("</form>", start)]


def test_a_page_from_the_cache_is_the_page_rendered_afresh(web) -> None:
    NicheFactory(slug="beauty", name="Beauty")
    NicheFactory(slug="travel", name="Travel & <Outdoors>")
    fresh = [_page(web, q) for q in QUERIES]

    cached = [_page(web, q) for q in QUERIES]

    assert cached == fresh
    assert len(views.filter_fields._html) == len(QUERIES)


def test_the_form_shows_each_querys_own_values_and_errors(web) -> None:
    NicheFactory(slug="beauty", name="Beauty")

    first = _form(_page(web, "er_min=2&niche=beauty"))
    second = _form(_page(web, "er_min=3"))
    broken = _form(_page(web, "er_min=abc"))

    assert 'name="er_min" value="2"' in first
    assert 'value="beauty" selected' in first
    assert 'name="er_min" value="3"' in second
    assert "selected" not in second.split('name="niche"')[1].split("</select>")[0]
    assert 'aria-invalid="true"' in broken
    assert "Enter a number." in broken


def test_a_niche_added_after_a_page_was_cached_is_offered_at_once(web) -> None:
    NicheFactory(slug="beauty", name="Beauty")
    before = _form(_page(web, "niche=gaming"))

    NicheFactory(slug="gaming", name="Gaming")
    after = _form(_page(web, "niche=gaming"))

    assert "Select a valid choice" in before
    assert 'value="gaming"' not in before
    assert 'value="gaming" selected' in after
    assert "Select a valid choice" not in after


def test_a_renamed_niche_shows_its_new_name(web) -> None:
    niche = NicheFactory(slug="beauty", name="Beauty")
    _page(web, "")

    niche.name = "Beauty & skincare"
    niche.save()

    assert "Beauty &amp; skincare</option>" in _form(_page(web, ""))


def test_the_cache_keeps_a_bounded_number_of_forms(web, monkeypatch) -> None:
    monkeypatch.setattr(views.filter_fields, "size", 3)

    for er in range(5):
        _page(web, f"er_min={er}")

    assert len(views.filter_fields._html) == 3
    assert 'name="er_min" value="0"' in _form(_page(web, "er_min=0"))  # evicted, rendered again


def test_the_fragment_does_not_render_the_form(web) -> None:
    response = web.get("/", {"er_min": "2"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'id="search-form"' not in response.content.decode()
    assert len(views.filter_fields._html) == 0
