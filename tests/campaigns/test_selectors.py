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
