"""Cell parsers: numbers with suffixes, percentages, missing markers, handles, countries, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from discovery.importing import values as v


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3.3k", 3300.0),
        ("475.8m", 475_800_000.0),
        ("29.0b", 29_000_000_000.0),
        ("145.6K", 145_600.0),
        ("1,234", 1234.0),
        ("477900000.00", 477_900_000.0),
        ("1.39%", 1.39),
        ("4.7e6", 4_700_000.0),
        ("1E+3", 1000.0),
        (" 12 ", 12.0),
        (12, 12.0),
    ],
)
def test_parse_number_reads_vendor_spellings(raw: object, expected: float) -> None:
    assert v.parse_number(raw) == pytest.approx(expected)


@pytest.mark.parametrize(
    "raw", ["", "NaN", "nan", "N/A", "N/A'", "-", "#VALOR!", "#NAME?", "#N/A", "NaN%", None]
)
def test_missing_markers_are_none(raw: object) -> None:
    assert v.parse_number(raw) is None
    assert v.is_missing(raw)


@pytest.mark.parametrize("raw", ["abc", "12abc", "1.2.3", "k"])
def test_parse_number_rejects_text(raw: str) -> None:
    with pytest.raises(v.ValueProblem, match="not a number"):
        v.parse_number(raw)


def test_parse_count_rejects_negative_and_absurd_counts() -> None:
    with pytest.raises(v.ValueProblem, match="negative"):
        v.parse_count("-5")
    with pytest.raises(v.ValueProblem, match="absurdly large"):
        v.parse_count("99b")
    assert v.parse_count("0.89k") == 890


def test_parse_percent_range() -> None:
    assert v.parse_percent("45%") == 45.0
    with pytest.raises(v.ValueProblem):
        v.parse_percent("140")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@Foo", "foo"),
        ("https://www.instagram.com/Foo/", "foo"),
        ("instagram.com/foo.bar?hl=en", "foo.bar"),
        ("https://www.tiktok.com/@khaby.lame/video/123", "khaby.lame"),
        ("https://www.youtube.com/c/PewDiePie", "pewdiepie"),
        ("https://www.youtube.com/@MrBeast", "mrbeast"),
        ("__youngbae__", "__youngbae__"),
    ],
)
def test_parse_handle_strips_at_and_urls(raw: str, expected: str) -> None:
    assert v.parse_handle(raw) == expected


def test_parse_handle_rejects_display_names() -> None:
    with pytest.raises(v.ValueProblem, match="not a handle"):
        v.parse_handle("5-Minute Crafts GIRLY")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("United States", "US"),
        ("gb", "GB"),
        ("UK", "GB"),
        ("C\u00c3\u00b4te d'Ivoire", "CI"),
        ("Côte d'Ivoire", "CI"),
    ],
)
def test_parse_country_to_iso(raw: str, expected: str) -> None:
    assert v.parse_country(raw) == expected


def test_parse_country_unknown_is_a_problem() -> None:
    with pytest.raises(v.ValueProblem):
        v.parse_country("Atlantis")


def test_parse_date_rejects_future_and_reads_day_first() -> None:
    assert v.parse_date("31/01/2024") == dt.date(2024, 1, 31)
    with pytest.raises(v.ValueProblem, match="future"):
        v.parse_date("2999-01-01")


def test_parse_datetime_defaults_to_utc() -> None:
    assert v.parse_datetime("2024-05-01 10:00") == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    with pytest.raises(v.ValueProblem, match="future"):
        v.parse_datetime("2999-01-01T00:00:00Z")


def test_audience_countries_and_lists() -> None:
    assert v.parse_audience_countries("GB:45;US:20") == {"GB": 45.0, "US": 20.0}
    assert v.split_list("Beauty; Fashion") == ["Beauty", "Fashion"]
    assert v.parse_hashtags("#Travel #food travel") == ["travel", "food"]
    with pytest.raises(v.ValueProblem):
        v.parse_audience_countries("GB:80;US:40")
