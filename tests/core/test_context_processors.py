"""The header's organisation switcher is read only by pages that show it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories.discovery import ProfileFactory

pytestmark = pytest.mark.django_db


def _organisation_reads(client: Client, **headers: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/", headers=headers)
    reads = [q for q in captured.captured_queries if q["sql"].startswith('SELECT "core_organisation".')]
    assert response.status_code == 200
    return len(reads), response.content.decode()


def test_htmx_fragment_skips_the_switchers_organisations_and_the_full_page_shows_them(
    brand_member, brand
) -> None:
    ProfileFactory()
    client = Client()
    client.force_login(brand_member)

    fragment_reads, _fragment = _organisation_reads(client, HX_Request="true")
    page_reads, page = _organisation_reads(client)

    assert fragment_reads == 0
    assert page_reads == 1
    assert f'data-testid="current-organisation">{brand.name}<' in page
