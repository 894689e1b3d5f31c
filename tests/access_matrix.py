"""The access matrix: run one endpoint as every persona and compare each answer with the written one.

Usage, in any test module (the persona fixtures live in tests/conftest.py)::

    from tests.access_matrix import LOGIN, assert_access

    def test_campaign_detail_access(request, campaign):
        assert_access(
            request,
            "GET",
            f"/campaigns/{campaign.pk}/",
            brand_owner=200,
            brand_member=200,
            brand_viewer=200,
            agency_staff=200,
            outsider_agency_staff=404,
            other_brand_member=404,
            anonymous=LOGIN,  # HTML: a redirect to the login page
        )

Every persona must be given an expected answer (an HTTP status, a set of statuses, or ``LOGIN``),
so each cell of the matrix is written in the test. Each cell runs inside a savepoint that is rolled
back afterwards, so a write made by one persona (a delete, say) does not change what the next one
sees. The throttle cache is cleared before each cell so the matrix never measures rate limits.
All cells run; one assertion lists every cell that differs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from rest_framework.test import APIClient

PERSONAS: tuple[str, ...] = (
    "brand_owner",
    "brand_member",
    "brand_viewer",
    "agency_staff",
    "outsider_agency_staff",
    "other_brand_member",
    "anonymous",
)
LOGIN = "login"  # expected answer: a redirect to the login page (HTML views, anonymous)

Expected = int | str | Collection[int]


class _Rollback(Exception):
    """Raised to roll back one cell's savepoint."""


def persona_user(request: pytest.FixtureRequest, persona: str) -> Any:
    """The user for a persona name (None for anonymous), from the conftest fixtures."""
    if persona == "anonymous":
        return None
    return request.getfixturevalue(persona)


def _matches(expected: Expected, response: HttpResponse) -> bool:
    if expected == LOGIN:
        login_url = resolve_url(settings.LOGIN_URL)
        return response.status_code == 302 and response.get("Location", "").startswith(login_url)
    if isinstance(expected, int):
        return response.status_code == expected
    return response.status_code in expected


def _describe(response: HttpResponse) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} -> {response.get('Location', '?')}"
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        return f"{response.status_code} ({exc_info[0].__name__}: {exc_info[1]})"
    return str(response.status_code)


def _request(
    *,
    user: Any,
    method: str,
    url: str,
    data: Any,
    api: bool,
    headers: Mapping[str, str] | None,
) -> HttpResponse:
    # A 500 becomes a cell of the matrix (with its exception) instead of stopping the run.
    client: Client = (
        APIClient(raise_request_exception=False) if api else Client(raise_request_exception=False)
    )
    if user is not None:
        client.force_login(user)
    kwargs: dict[str, Any] = {"headers": dict(headers or {})}
    if data is not None:
        kwargs["data"] = data
    if api and data is not None and method.upper() != "GET":
        kwargs["format"] = "json"
    return getattr(client, method.lower())(url, **kwargs)


def run_matrix(
    request: pytest.FixtureRequest,
    method: str,
    url: str,
    *,
    data: Any = None,
    api: bool | None = None,
    headers: Mapping[str, str] | None = None,
    personas: Collection[str] = PERSONAS,
) -> dict[str, HttpResponse]:
    """Send the request once per persona, each in a rolled-back savepoint; return the responses."""
    api = url.startswith("/api/") if api is None else api
    # Create every persona before the first request, so each cell sees the same world.
    users = {persona: persona_user(request, persona) for persona in personas}
    responses: dict[str, HttpResponse] = {}
    for persona, user in users.items():
        cache.clear()  # throttle counters; the matrix checks access, not rate limits
        try:
            with transaction.atomic():
                responses[persona] = _request(
                    user=user, method=method, url=url, data=data, api=api, headers=headers
                )
                raise _Rollback
        except _Rollback:
            pass
    return responses


def assert_access(
    request: pytest.FixtureRequest,
    method: str,
    url: str,
    *,
    data: Any = None,
    api: bool | None = None,
    headers: Mapping[str, str] | None = None,
    **expected: Expected,
) -> dict[str, HttpResponse]:
    """Assert each persona's answer to ``method url``; ``expected`` names every persona in PERSONAS.

    ``api`` defaults to True for URLs under /api/ (DRF's APIClient, JSON bodies).
    Returns the responses so a test can look further (e.g. that a 200 shows only the right data).
    """
    unknown = sorted(set(expected) - set(PERSONAS))
    missing = [p for p in PERSONAS if p not in expected]
    if unknown or missing:
        raise TypeError(
            f"assert_access({method} {url}): expected answers must name every persona; "
            f"missing {missing}, unknown {unknown}"
        )
    responses = run_matrix(request, method, url, data=data, api=api, headers=headers)
    failures = [
        f"  {persona:<22} expected {expected[persona]!s:<8} got {_describe(responses[persona])}"
        for persona in PERSONAS
        if not _matches(expected[persona], responses[persona])
    ]
    if failures:
        table = "\n".join(
            f"  {p:<22} expected {expected[p]!s:<8} got {_describe(responses[p])}" for p in PERSONAS
        )
        raise AssertionError(
            f"access matrix for {method.upper()} {url}: {len(failures)} of {len(PERSONAS)} cells differ\n"
            + "\n".join(failures)
            + "\nfull matrix:\n"
            + table
        )
    return responses
