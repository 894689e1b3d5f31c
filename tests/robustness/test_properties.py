"""Property-based tests (hypothesis): import value/header parsers and the search API's query parameters."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from discovery.importing import headers as h
from discovery.importing import values as v
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

# Text that spreadsheets and vendor exports put in numeric cells, plus arbitrary unicode.
NUMBERISH = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[+-]?[0-9,._ ]{0,12}(\.[0-9]{0,4})?(e[+-]?[0-9]{1,3})?\s?(k|m|b|mn|bn|%)?\Z"),
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(),
    st.none(),
)
NUMBER_PARSERS = [v.parse_number, v.parse_count, v.parse_amount, v.parse_percent, v.parse_rate]


@pytest.mark.parametrize("parser", NUMBER_PARSERS, ids=lambda p: p.__name__)
@given(raw=NUMBERISH)
def test_number_parsers_return_a_finite_number_none_or_a_value_problem(parser, raw) -> None:
    try:
        result = parser(raw)
    except v.ValueProblem as exc:
        assert_problem_has_message(exc)
        return
    assert result is None or (isinstance(result, int | float) and math.isfinite(result))


@pytest.mark.parametrize("raw", [math.inf, -math.inf])
def test_parse_number_refuses_infinite_floats_as_it_refuses_infinite_text(raw: float) -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_number(raw)


@given(n=st.integers(min_value=0, max_value=v.MAX_COUNT))
def test_plain_integers_round_trip_through_every_spelling(n: int) -> None:
    assert v.parse_count(str(n)) == n
    assert v.parse_count(f"{n:,}") == n
    assert v.parse_count(f"{n}.00") == n
    assert v.parse_count(f" {n} ") == n


@given(
    mantissa=st.decimals(min_value=0, max_value=999, places=1, allow_nan=False, allow_infinity=False),
    suffix=st.sampled_from(["k", "m", "b", "K", "M", "B"]),
)
def test_suffixed_numbers_are_exact_decimal_multiples(mantissa: Decimal, suffix: str) -> None:
    factor = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}[suffix.lower()]

    assert v.parse_number(f"{mantissa}{suffix}") == float(mantissa * factor)


@given(n=st.integers(min_value=1, max_value=10**9), exponent=st.integers(min_value=0, max_value=3))
def test_scientific_notation_matches_the_plain_number(n: int, exponent: int) -> None:
    assert v.parse_number(f"{n}e{exponent}") == float(n * 10**exponent)


@given(pct=st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False))
def test_percentages_accept_the_percent_sign(pct: Decimal) -> None:
    assert v.parse_percent(f"{pct}%") == pytest.approx(float(pct))


def assert_problem_has_message(exc: Exception) -> None:
    """A rejected value comes with a sentence for the row's error entry."""
    assert str(exc)


HANDLEISH = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"\A@?[A-Za-z0-9._-]{1,30}\Z"),
    st.builds(
        lambda host, name: f"https://www.{host}/{name}/",
        st.sampled_from(["instagram.com", "tiktok.com", "youtube.com/c", "youtube.com/user"]),
        st.from_regex(r"\A@?[A-Za-z0-9._-]{1,30}\Z"),
    ),
)


@given(raw=HANDLEISH)
def test_handles_normalise_idempotently(raw: str) -> None:
    try:
        handle = v.parse_handle(raw)
    except v.ValueProblem as exc:
        assert_problem_has_message(exc)
        return
    if handle is None:
        return
    assert handle == handle.lower()
    assert v.STORED_HANDLE.match(handle)
    assert v.parse_handle(handle) == handle
    assert v.parse_handle("@" + handle) == handle


@pytest.mark.parametrize("raw", ["@null", "@none", "@na", "@-"])
def test_a_handle_that_would_re_read_as_missing_is_refused_with_a_reason(raw: str) -> None:
    # Stored as "null", it would read back as a missing value in every later file.
    with pytest.raises(v.ValueProblem, match="missing-value marker"):
        v.parse_handle(raw)


@given(header=st.text(max_size=60))
def test_header_normalisation_is_idempotent_and_plain(header: str) -> None:
    norm = h.normalise(header)

    assert h.normalise(norm) == norm
    assert all(c.isdigit() or "a" <= c <= "z" for c in norm)


@given(
    header=st.sampled_from(["followers", "handle", "avg_views", "posts_count"]),
    decoration=st.sampled_from(["", " ", "\n", ".", "()", "_", "-"]),
    upper=st.booleans(),
)
def test_decorated_headers_normalise_to_the_same_key(header: str, decoration: str, upper: bool) -> None:
    decorated = decoration + (header.upper() if upper else header.title()) + decoration

    assert h.normalise(decorated) == h.normalise(header)


@given(headers=st.lists(st.text(max_size=20), min_size=1, max_size=8))
def test_propose_mapping_accepts_any_headers_without_crashing(headers: list[str]) -> None:
    sample = [["x"] * len(headers)]

    mapping = h.propose_mapping("profiles", headers, sample)

    placed = (
        set(mapping.ignored) | set(mapping.unknown) | {i for cols in mapping.fields.values() for i in cols}
    )
    assert placed <= set(range(len(headers)))


# The API's query parameters: arbitrary values answer 200 or 400, never 500.
PROFILE_PARAMS = [
    "q", "niche", "platform", "tier", "followers_min", "followers_max", "er_by", "er_min", "er_max",
    "tier_er_min", "er_rating", "growth_30d_min", "quality_min", "country", "language",
    "audience_country", "audience_country_min", "sponsored_max", "price_min", "price_max",
    "has_quoted_rate", "verified", "ordering", "page", "page_size",
]  # fmt: skip
PARAM_VALUE = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "-1", "0", "1e400", "NaN", "inf", "true", "beauty", "GB", "-followers", "\x00"]),
)


@pytest.fixture
def catalogue(db) -> None:
    beauty = NicheFactory(slug="beauty", name="Beauty")
    for followers in (1_500, 25_000, 400_000):
        profile = ProfileFactory(followers=followers, country="GB")
        profile.niches.add(beauty)
        ProfileScoreFactory(profile=profile)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(PROFILE_PARAMS), st.lists(PARAM_VALUE, min_size=1, max_size=2)))
def test_profile_search_answers_200_or_400_for_any_query(brand_member, catalogue, params) -> None:
    client = APIClient()
    client.force_authenticate(brand_member)

    response = client.get("/api/profiles/", params)

    # DRF answers a page past the end (or page=0) with 404 "Invalid page."; anything else is 200 or 400.
    allowed = {200, 400, 404} if "page" in params else {200, 400}
    assert response.status_code in allowed, (params, response.status_code, response.content[:500])
    if response.status_code == 400:
        assert response.json()  # says which parameter is wrong
