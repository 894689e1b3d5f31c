"""Campaign reads that every search page makes: the campaigns a user may add results to."""

from __future__ import annotations

import pytest

from campaigns import selectors
from tests.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


def test_editable_campaigns_are_those_of_organisations_the_user_edits_for(
    brand, agency, brand_member, brand_viewer, agency_staff, other_brand_member
) -> None:
    spring = CampaignFactory(organisation=brand, name="Spring")
    autumn = CampaignFactory(organisation=brand, name="Autumn")
    CampaignFactory(organisation=brand, name="Old", status="archived")
    elsewhere = CampaignFactory(organisation=other_brand_member.memberships.get().organisation, name="Else")

    assert list(selectors.editable_campaigns(user=brand_member)) == [autumn, spring]
    assert list(selectors.editable_campaigns(user=agency_staff)) == [autumn, spring]  # via the agency
    assert list(selectors.editable_campaigns(user=brand_viewer)) == []  # viewers do not edit
    assert list(selectors.editable_campaigns(user=other_brand_member)) == [elsewhere]


def test_a_user_with_nothing_to_edit_costs_one_query_for_the_roles(
    brand_viewer, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):  # the memberships; no campaign query
        assert list(selectors.editable_campaigns(user=brand_viewer)) == []


def _queries(client, url: str, **headers) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_pages_offering_campaigns_read_them_in_a_fixed_number_of_queries(brand, brand_member) -> None:
    # Campaigns are read with the columns a choice shows: a template touching another field would
    # load it campaign by campaign.
    from django.test import Client

    from tests.factories.discovery import ProfileFactory

    profile = ProfileFactory(handle="someone")
    client = Client()
    client.force_login(brand_member)
    CampaignFactory(organisation=brand, name="First")
    few = (_queries(client, "/", HX_Request="true")[0], _queries(client, f"/profiles/{profile.pk}/")[0])

    more = [CampaignFactory(organisation=brand, name=f"More {i}") for i in range(3)]
    fragment_queries, fragment = _queries(client, "/", HX_Request="true")
    profile_queries, page = _queries(client, f"/profiles/{profile.pk}/")

    assert (fragment_queries, profile_queries) == few
    assert 'id="search-form"' not in fragment  # the htmx fragment, not the page
    for campaign in more:
        option = f'<option value="{campaign.pk}">{campaign.name} (Acme Cosmetics)</option>'
        assert option in fragment
        assert option in page


def test_editable_campaigns_carry_their_own_names_and_load_other_fields_on_access(
    brand, brand_member
) -> None:
    spring = CampaignFactory(organisation=brand, name="Spring", budget="1234.00", status="active")

    (campaign,) = selectors.editable_campaigns(user=brand_member)

    assert (campaign.pk, campaign.name, campaign.organisation_id) == (spring.pk, "Spring", brand.pk)
    assert (campaign.organisation.pk, campaign.organisation.name) == (brand.pk, "Acme Cosmetics")
    assert (str(campaign.budget), campaign.status) == ("1234.00", "active")  # deferred, read on access
