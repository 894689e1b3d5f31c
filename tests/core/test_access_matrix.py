"""The access matrix helper itself: it runs every persona and reports every differing cell."""

from __future__ import annotations

import pytest

from tests.access_matrix import LOGIN, PERSONAS, assert_access

pytestmark = pytest.mark.django_db

ALL_OK = dict.fromkeys(PERSONAS, 200)


def test_matrix_passes_when_every_cell_matches(request) -> None:
    responses = assert_access(request, "GET", "/healthz", **ALL_OK)

    assert set(responses) == set(PERSONAS)


def test_matrix_reports_every_differing_cell_in_one_message(request) -> None:
    expected = {**ALL_OK, "brand_viewer": 404, "anonymous": LOGIN}

    with pytest.raises(AssertionError) as failure:
        assert_access(request, "GET", "/healthz", **expected)

    message = str(failure.value)
    assert "2 of 7 cells differ" in message
    assert "brand_viewer" in message
    assert "anonymous" in message
    assert "got 200" in message


def test_matrix_refuses_a_matrix_that_leaves_out_a_persona(request) -> None:
    partial = {p: 200 for p in PERSONAS if p != "agency_staff"}

    with pytest.raises(TypeError, match="agency_staff"):
        assert_access(request, "GET", "/healthz", **partial)


def test_matrix_checks_login_redirect_for_html_pages(request) -> None:
    with pytest.raises(AssertionError, match="anonymous"):
        assert_access(request, "GET", "/", **{**ALL_OK, "anonymous": 200})
