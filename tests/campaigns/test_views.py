"""HTML pages of campaigns: forms, errors as messages, exports safe from formula injection."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from campaigns.models import Campaign
from campaigns.selectors import profile_campaign_context
from tests.factories.campaigns import PostResultFactory, ShortlistEntryFactory
from tests.factories.discovery import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def _c(user):
        c = Client()
        c.force_login(user)
        return c

    return _c


def test_create_brief_through_the_form(client_for, agency_staff, brand, beauty) -> None:
    response = client_for(agency_staff).post(
        "/campaigns/new/",
        {
            "organisation": brand.pk,
            "name": "Form brief",
            "objective": "awareness",
            "niches": [beauty.pk],
            "countries": "gb, ie",
            "budget": "1500",
            "currency": "gbp",
            "deliverables_count": "2",
            "hashtags": "#AcmeSpring, acme",
            "status": "draft",
        },
    )

    campaign = Campaign.objects.get(name="Form brief")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert campaign.countries == ["GB", "IE"]
    assert campaign.currency == "GBP"
    assert campaign.hashtags == ["acmespring", "acme"]


def test_bad_form_input_shows_errors_next_to_fields(client_for, brand_member, brand) -> None:
    response = client_for(brand_member).post(
        "/campaigns/new/",
        {
            "organisation": brand.pk,
            "name": "x",
            "budget": "abc",
            "countries": "GBR",
            "objective": "awareness",
            "currency": "GBP",
            "deliverables_count": "1",
            "status": "draft",
        },
    )

    assert response.status_code == 200
    assert "Use two-letter codes" in response.content.decode()
    assert "Enter a number." in response.content.decode()


def test_detail_shows_totals_warnings_and_empty_state(client_for, brand_member, campaign, catalogue) -> None:
    client = client_for(brand_member)
    empty = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    ShortlistEntryFactory(campaign=campaign, profile=catalogue["off"], fee=Decimal("1200"))

    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert "No creators on the shortlist yet" in empty
    assert "Over budget by 200.00 GBP" in page
    assert "outside the brief&#x27;s niches" in page


def test_suggest_page_explains_infeasible_brief(client_for, brand_member, campaign, catalogue) -> None:
    page = (
        client_for(brand_member)
        .post(f"/campaigns/{campaign.pk}/suggest/", {"budget": "100", "min_creators": "1"})
        .content.decode()
    )

    assert "No shortlist fits" in page
    assert "Only 0 creators match the brief at a fee within the budget, but at least 1 are required" in page


def test_duplicate_add_is_a_message_not_an_error_page(client_for, brand_member, entry) -> None:
    response = client_for(brand_member).post(
        "/campaigns/shortlist/add/", {"campaign": entry.campaign_id, "profile": entry.profile_id}, follow=True
    )

    assert response.status_code == 200
    assert "already on the shortlist" in response.content.decode()


def test_exports_neutralise_formulas(client_for, brand_member, campaign) -> None:
    evil = ProfileFactory(handle="=cmd|calc")
    PostResultFactory(entry=ShortlistEntryFactory(campaign=campaign, profile=evil, status="published"))
    client = client_for(brand_member)

    rows = list(csv.reader(io.StringIO(client.get(f"/campaigns/{campaign.pk}/report.csv").content.decode())))
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/campaigns/{campaign.pk}/report.xlsx").content))

    assert rows[0][0] == "creator"
    assert rows[1][0] == "'@=cmd|calc"
    assert rows[-1][0] == "TOTAL"
    sheet = book.active
    assert sheet["A2"].value == "'@=cmd|calc"
    assert sheet["A2"].data_type == "s"
    assert all(not str(c.value).startswith("=") for row in sheet.iter_rows() for c in row if c.value)


def test_exports_quote_leading_equals(client_for, brand_member, campaign) -> None:
    from core.exports import safe_cell

    assert safe_cell("=SUM(A1)") == "'=SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell(5) == 5


def test_profile_partial_renders_form_and_history(brand_member, campaign, entry, result) -> None:
    request = RequestFactory().get(f"/profiles/{entry.profile_id}/")
    request.user = brand_member
    request.session = {}
    context = profile_campaign_context(
        user=brand_member, profile=ProfileFactory(creator=entry.profile.creator)
    )

    html = render_to_string("campaigns/partials/_profile_campaigns.html", context, request=request)

    assert 'name="csrfmiddlewaretoken"' in html
    assert "Add to shortlist" in html
    assert "Spring launch" in html
    assert str(result.views) in html


def test_report_page_has_chart_data(client_for, brand_member, campaign, result) -> None:
    page = client_for(brand_member).get(f"/campaigns/{campaign.pk}/report/").content.decode()

    assert 'id="report-chart-data"' in page
    assert "chart-views" in page


def test_report_page_groups_counts_and_shows_money_with_its_currency(
    client_for, brand_member, campaign, entry
) -> None:
    PostResultFactory(
        entry=entry, views=12_345, reach=9_876, impressions=23_456, likes=90, comments=8, shares=2,
        cost=Decimal("1234.00"), revenue=Decimal("2468.00"),
    )  # fmt: skip

    page = client_for(brand_member).get(f"/campaigns/{campaign.pk}/report/").content.decode()

    assert "<strong>12,345</strong>" in page  # views, grouped
    assert "<strong>23,456</strong>" in page  # impressions
    assert f"<strong>1,234.00 {campaign.currency}</strong>" in page  # cost
    assert f'<strong id="kpi-cpe">12.34 {campaign.currency}</strong>' in page  # 1234 / (90 + 8 + 2)
    assert f'<strong id="kpi-cpv">0.1 {campaign.currency}</strong>' not in page
    assert f'<strong id="kpi-cpv">0.100 {campaign.currency}</strong>' in page  # 1234 / 12345, 3 places
    assert '<td class="num">12,345</td>' in page  # the creator's row too


def test_brief_page_formats_money_and_says_what_is_not_set(client_for, brand_member, campaign) -> None:
    campaign.budget = Decimal("12500")
    campaign.save()

    page = client_for(brand_member).get(f"/campaigns/{campaign.pk}/").content.decode()

    assert f"<dd>12,500.00 {campaign.currency}</dd>" in page
    assert "<dt>Dates</dt><dd>not set</dd>" in page
    assert f"0.00 / 12,500.00 {campaign.currency}" in page


def test_profile_page_shows_the_campaign_box(
    client_for, brand_member, other_brand_member, campaign, entry
) -> None:
    mine = client_for(brand_member).get(f"/profiles/{entry.profile_id}/").content.decode()
    theirs = client_for(other_brand_member).get(f"/profiles/{entry.profile_id}/").content.decode()

    assert "Relationship history" in mine
    assert "Spring launch" in mine
    assert "Spring launch" not in theirs


def test_campaign_list_page_query_count(
    client_for, brand_member, brand, django_assert_max_num_queries
) -> None:
    from tests.factories.campaigns import CampaignFactory

    client = client_for(brand_member)
    for _ in range(12):
        CampaignFactory(organisation=brand)

    with django_assert_max_num_queries(12):
        page = client.get("/campaigns/")

    assert page.content.decode().count("/campaigns/") >= 12


def test_campaign_list_filters_share_one_filterset(client_for, brand_member, brand) -> None:
    from tests.factories.campaigns import CampaignFactory

    CampaignFactory(organisation=brand, name="Summer drop", status="active")
    CampaignFactory(organisation=brand, name="Old thing", status="archived")
    client = client_for(brand_member)

    default = client.get("/campaigns/").content.decode()
    archived = client.get("/campaigns/?status=archived").content.decode()
    searched = client.get("/campaigns/?q=summer").content.decode()
    api = client.get("/api/campaigns/?status=archived").json()

    assert "Summer drop" in default
    assert "Old thing" not in default
    assert "Old thing" in archived
    assert "Summer drop" not in archived
    assert "Summer drop" in searched
    assert [c["name"] for c in api["results"]] == ["Old thing"]


def test_accounts_ticked_on_the_search_page_are_added_and_duplicates_reported(
    client_for, brand_member, campaign, entry, catalogue
) -> None:
    # given the search results offer this member's campaign as a target for ticked rows
    client = client_for(brand_member)
    search = client.get("/", {"niche": "beauty"}).content.decode()
    assert f'<option value="{campaign.pk}">Spring launch (Acme Cosmetics)</option>' in search
    assert 'formaction="/campaigns/shortlist/add-ticked/"' in search

    # when two new accounts and one already listed are ticked
    ticked = [catalogue["a"].pk, catalogue["b"].pk, entry.profile_id]
    response = client.post(
        "/campaigns/shortlist/add-ticked/", {"campaign": campaign.pk, "ids": ticked}, follow=True
    )

    # then the new ones are on the shortlist once, and the duplicate is named, not an error
    page = response.content.decode()
    assert response.status_code == 200
    assert sorted(campaign.entries.values_list("profile_id", flat=True)) == sorted(ticked)
    assert "2 account(s) added to Spring launch" in page
    assert "Already on the shortlist of Spring launch: @listed" in page


def test_adding_with_nothing_ticked_says_so(client_for, brand_member, campaign) -> None:
    response = client_for(brand_member).post(
        "/campaigns/shortlist/add-ticked/", {"campaign": campaign.pk}, follow=True
    )

    assert "Tick at least one account" in response.content.decode()
    assert not campaign.entries.exists()
