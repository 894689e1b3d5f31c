"""Export cells are safe against spreadsheet formula injection."""

from __future__ import annotations

import pytest

from core.exports import safe_cell


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A9)", '=HYPERLINK("http://x")', "+1", "-2+3", "@cmd", "\tx", "\rx", "|calc", "%0A"]
)
def test_formula_like_text_is_prefixed_with_an_apostrophe(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["plain name", "Zoë", "a=b", "", 5, -5, 1.5, 0, None])
def test_other_values_pass_unchanged(value) -> None:
    assert safe_cell(value) == value
