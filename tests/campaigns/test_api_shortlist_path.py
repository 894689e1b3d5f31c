"""The shortlist edit path (the hottest write under load) reads only what it needs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_shortlist_add_and_remove_skip_the_campaign_lists_count_and_niches(
    brand_member, campaign, catalogue
) -> None:
    client = APIClient()
    client.force_authenticate(brand_member)
    url = f"/api/campaigns/{campaign.pk}/shortlist/"

    with CaptureQueriesContext(connection) as adding:
        added = client.post(url, {"profile": catalogue["a"].pk}, format="json")
    with CaptureQueriesContext(connection) as removing:
        removed = client.delete(f"{url}{added.json()['id']}/")

    assert (added.status_code, removed.status_code) == (201, 204)
    for captured in (adding, removing):
        sql = " ".join(q["sql"] for q in captured.captured_queries)
        assert "campaigns_campaign_niches" not in sql
        assert "COUNT(DISTINCT" not in sql
    assert len(adding.captured_queries) <= 26
    assert len(removing.captured_queries) <= 10


def test_shortlist_of_another_brands_campaign_is_still_a_404(other_brand_member, campaign, catalogue) -> None:
    client = APIClient()
    client.force_authenticate(other_brand_member)

    response = client.post(
        f"/api/campaigns/{campaign.pk}/shortlist/", {"profile": catalogue["a"].pk}, format="json"
    )

    assert response.status_code == 404
