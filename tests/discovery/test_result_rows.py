"""The results table's Python row renderer writes exactly the reference template's markup."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from discovery import selectors
from discovery.templatetags.discovery_results import (
    ROW_NICHE_FIELD,
    ROW_PROFILE_FIELDS,
    ROW_SCORE_FIELDS,
    _english_numbers,
    _fixed,
    _money,
    esc,
    result_rows,
)
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


def _catalogue() -> list:
    """Every branch of the row: scored, unscored, nulls, zeros, quoted price, views ER, escaping."""
    fitness = NicheFactory(slug="fitness", name="Fitness")
    odd = NicheFactory(slug="odd", name='<Odd> & "quoted" niche')
    first = NicheFactory(slug="zz", name="Aardvarks")  # sorts first by name, last by slug
    scored = ProfileFactory(followers=1_234_567, verified=True, stats_as_of=dt.date(2026, 10, 2))
    scored.niches.add(fitness, odd, first)
    ProfileScoreFactory(
        profile=scored, tier="macro", er=3.255, er_rating="excellent", growth_30d_pct=-0.05, quality=100,
        price=Decimal("12345.50"), price_low=Decimal("9876.49"), price_high=Decimal("14814.60"),
        cpe=Decimal("0.0005"),
    )  # fmt: skip
    nulls = ProfileFactory(
        followers=None, name="<script>alert(1)</script> & co", country="", platform="youtube",
        handle="odd_handle", stats_as_of=None,
    )  # fmt: skip
    ProfileScoreFactory(
        profile=nulls, tier="", er=None, er_median=None, er_method="", er_provenance="", er_as_of=None,
        er_rating="", growth_30d_pct=None, growth_as_of=None, quality=None, price=None, price_low=None,
        price_high=None, currency="", price_provenance="", cpe=None, as_of=None,
    )  # fmt: skip
    quoted = ProfileFactory(followers=0, platform="tiktok")
    ProfileScoreFactory(
        profile=quoted, tier="nano", er=0.0, er_method="views", er_provenance="imported", growth_30d_pct=0.0,
        quality=0, price=Decimal("0.00"), price_low=Decimal("0.00"), price_high=None, has_quoted_rate=True,
        price_provenance="quoted", growth_as_of=None, expected_engagements=0.0, cpe=None,
    )  # fmt: skip
    low_only = ProfileFactory(followers=999)
    ProfileScoreFactory(profile=low_only, price_high=None, er_provenance="estimated", currency="EUR")
    unscored = ProfileFactory(followers=52_000, stats_as_of=dt.date(2026, 9, 30))
    unscored.niches.add(fitness)
    bare = ProfileFactory(followers=None, stats_as_of=None, country="")
    return [scored, nulls, quoted, low_only, unscored, bare]


def _rows(ids: list[int]) -> list[dict]:
    return selectors.profile_rows(
        ids, profile_fields=ROW_PROFILE_FIELDS, score_fields=ROW_SCORE_FIELDS, niche_field=ROW_NICHE_FIELD
    )


def _reference(profile_id: int) -> str:
    """The reference row template rendered from the Profile the page used to render."""
    profile = selectors.profile_get(profile_id=profile_id)
    return render_to_string("discovery/partials/_result_row.html", {"p": profile})


def test_each_row_equals_the_reference_template() -> None:
    ids = [p.pk for p in _catalogue()]

    for row in _rows(ids):
        assert result_rows([row]).strip() == _reference(row["id"]).strip()


def test_rows_keep_their_order_and_whitespace() -> None:
    ids = [p.pk for p in reversed(_catalogue())]

    rendered = result_rows(_rows(ids))

    assert rendered == "".join(_reference(i)[: -len("\n")] for i in ids)  # the template file's last newline
    assert [int(i) for i in re.findall(r'data-profile-id="(\d+)"', rendered)] == ids


def test_search_fragment_shows_the_reference_rows(client, brand_member) -> None:
    profiles = _catalogue()
    client.force_login(brand_member)

    body = client.get(reverse("discovery:search"), {"ordering": "followers"}, HTTP_HX_REQUEST="true").content
    html = body.decode()

    order = [p.pk for p in sorted(profiles, key=lambda p: (p.followers is None, p.followers or 0, p.pk))]
    expected = "".join(_reference(i)[: -len("\n")] for i in order)
    assert f"<tbody>\n    {expected}\n    </tbody>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e7, max_value=1e7),
    st.decimals(min_value=-(10**9), max_value=10**9, places=2),
    st.decimals(min_value=-1000, max_value=1000, places=4),
    st.decimals(allow_nan=False),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(
        [None, 0.0, -0.0, 0.5, -0.5, 2.675, 1.005, -0.004, 999.5, Decimal("-0.00"), Decimal("1E+3")]
    ),
)


@settings(max_examples=3000, deadline=None)
@given(value=numbers, places=st.sampled_from([0, 1, 2, 3]))
def test_fast_numbers_write_what_the_filters_write(value, places) -> None:
    assert _english_numbers()
    assert _fixed(value, places) == floatformat(value, places)
    assert _money(value, english=True) == _money(value)
    assert _money(value) == conditional_escape(intcomma(floatformat(value, 0)))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "<b>'x' & \"y\"</b>",
        "é ✔ \u2013",
        mark_safe("<i>safe</i>"),
        12,
        1.5,
        None,
        gettext_lazy("Micro"),
    ],
)
def test_row_escaping_is_conditional_escape(value) -> None:
    assert esc(value) == conditional_escape(value)
