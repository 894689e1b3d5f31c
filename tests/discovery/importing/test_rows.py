"""Column-wise chunk parsing: the vectorised fast paths give exactly what the per-cell parsers give."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from discovery.importing import rows
from discovery.importing import values as v
from discovery.importing.headers import propose_mapping


def _per_cell(parser: str, cells: list[Any]) -> tuple[list[Any], dict[int, str]]:
    """The reference: each cell through its parser alone."""
    out: list[Any] = []
    problems: dict[int, str] = {}
    for i, cell in enumerate(cells):
        try:
            out.append(rows.CELL_PARSERS[parser](cell))
        except v.ValueProblem as exc:
            out.append(None)
            problems[i] = str(exc)
    return out, problems


COUNT_CELLS = [
    "2544",
    " 12 ",
    "3.3k",
    "475.8m",
    "1,234",
    "477900000.00",
    "2.5",
    "3.5",
    "-4",
    "20000000000",
    "",
    "N/A",
    "#VALOR!",
    "abc",
    "1e3",
]


@pytest.mark.parametrize("parser", ["count", "amount", "percent", "rate"])
def test_numeric_fast_path_matches_the_cell_parser(parser: str) -> None:
    cells = [*COUNT_CELLS, "45", "100.5", "99.99%"]

    got = rows._parse_cells(pd.Series(cells, dtype=object), parser)

    expected = _per_cell(parser, cells)
    assert got[1] == expected[1]
    assert got[0] == expected[0]
    assert [type(x) for x in got[0]] == [type(x) for x in expected[0]]


def test_numeric_fast_path_reads_mixed_python_values() -> None:
    cells: list[Any] = [12, 3.0, "4.1m", None, -2, 2.5]

    got = rows._parse_cells(pd.Series(cells, dtype=object), "count")

    assert got == _per_cell("count", cells)


def test_handle_fast_path_matches_the_cell_parser() -> None:
    cells = [
        "uma_moreau0",
        "olivia.rossi1",
        "@Cristiano",
        "https://www.instagram.com/Foo.Bar/",
        "nan",
        "-",
        "",
        "two words",
        " padded ",
        "x" * 151,
    ]

    got = rows._parse_cells(pd.Series(cells, dtype=object), "handle")

    assert got == _per_cell("handle", cells)


@pytest.mark.parametrize(
    ("parser", "cells"),
    [
        (
            "url",
            [
                "https://www.instagram.com/uma_moreau0/",
                " https://www.tiktok.com/@olivia.rossi1 ",
                "http://youtube.com/c/Name",
                "www.instagram.com/foo",
                "not a url",
                "https://bad host.com/",
                "N/A",
                "",
                "ftp://files.example.com/x",
            ],
        ),
        (
            "email",
            [
                "uma_moreau0@mail.example.com",
                " a.b+c@example.co.uk ",
                "a..b@example.com",
                ".a@example.com",
                "no-at-sign",
                "x@localhost",
                "#N/A",
                "",
            ],
        ),
    ],
)
def test_validated_fast_path_matches_the_validators(parser: str, cells: list[str]) -> None:
    got = rows._parse_cells(pd.Series(cells, dtype=object), parser)

    assert got == _per_cell(parser, cells)


def test_parse_frame_keeps_row_numbers_values_and_problems() -> None:
    headers = ["platform", "handle", "date", "followers", "following", "posts_count"]
    cells = [
        ["instagram", "uma", "2026-01-02", "3.3k", "10", "5"],
        ["instagram", "@Bob", "2026-01-02", "-5", "", "x"],
        ["tiktok", "two words", "2026-01-03", "12", "1", "1"],
    ]
    frame = pd.DataFrame(cells, index=[1, 2, 3], columns=range(len(headers)), dtype=object)
    mapping = propose_mapping("snapshots", headers, cells)

    parsed = rows.parse_frame(frame, mapping)

    assert parsed.records[1]["followers"] == 3300
    assert parsed.records[1]["handle"] == "uma"
    assert sorted(parsed.rejected) == [2, 3]
    assert parsed.rejected[2].startswith("followers")
    assert {(p.row, p.column) for p in parsed.problems} == {
        (2, "followers"),
        (2, "posts_count"),
        (3, "handle"),
    }
    assert parsed.raw[2] == cells[1]


def test_audience_fast_path_matches_the_per_cell_parser() -> None:
    cells = [
        "GB:45;US:20",
        "ES:40;SE:32.5",
        "UK:40",
        "XX:10",
        "GB:60;US:60",
        "GB:101",
        "gb:45",
        " GB:45 ",
        "GB:45;GB:20",
        "United Kingdom:45",
        "N/A",
        "",
        "GB45",
    ]

    got = rows._parse_cells(pd.Series(cells, dtype=object), "audience")

    assert got == _per_cell("audience", cells)


def test_post_ids_fast_path_matches_the_cell_parser() -> None:
    cells = ["123", "abc_DEF-9", "12.0", " 7 ", "'0012", "-", "NaN", "null", "a.b", "x:1", "", "é1"]
    assert rows._parse_post_ids(pd.Series(cells, dtype=object)) == [rows._post_id(c) for c in cells]
    mixed = pd.Series([1, "2", None], dtype=object)
    assert rows._parse_post_ids(mixed) == [rows._post_id(c) for c in mixed.tolist()]
