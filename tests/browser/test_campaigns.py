"""An agency member runs a campaign end to end in a real Chromium; another brand cannot reach any of it."""

from __future__ import annotations

import re

import pytest

from campaigns.models import Campaign, PostResult, StatusChange
from tests.campaigns.conftest import scored
from tests.factories.core import PASSWORD
from tests.factories.discovery import NicheFactory
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agency_member_runs_a_campaign_and_another_brand_gets_404(
    page,
    login,
    agency_staff,
    brand,
    other_brand_member,
    _playwright_browser,  # noqa: PT019 - used as a value: opens a second browser context
    live_server,
) -> None:
    beauty = NicheFactory(name="Beauty", slug="beauty")
    scored("ratio_queen", followers=30_000, price="600", reach=10_000, engagements=900, niche=beauty)
    scored("pair_a", followers=25_000, price="500", reach=8_000, engagements=700, niche=beauty)
    scored("pair_b", followers=25_000, price="500", reach=8_000, engagements=700, niche=beauty)
    login(agency_staff)

    # Write a brief for the client brand.
    page.goto("/campaigns/")
    page.get_by_role("link", name="New brief").first.click()
    page.select_option("#id_organisation", str(brand.pk))
    page.fill("#id_name", "Spring glow")
    page.select_option("#id_niches", label="Beauty")
    page.fill("#id_budget", "1000")
    page.click("button:has-text('Save brief')")
    page.wait_for_selector("h1:has-text('Spring glow')")
    campaign = Campaign.objects.get(name="Spring glow")
    assert campaign.organisation == brand

    # Ask for a suggestion: the optimal pair, not the greedy best-ratio creator.
    page.fill("#id_budget", "1000")
    page.click("#suggest-button")
    page.wait_for_selector("#suggestion")
    assert "Proven optimal" in page.inner_text("#suggestion")
    picks = page.inner_text("#suggestion table")
    assert "pair_a" in picks
    assert "pair_b" in picks
    assert "ratio_queen" not in picks

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "campaign-suggestion.png"), full_page=True)

    # Accept it in one click.
    page.click("#accept-suggestion")
    page.wait_for_selector("#shortlist")
    assert page.locator("#shortlist tbody tr").count() == 2
    assert "1,000.00 / 1,000.00 GBP" in page.inner_text("#shortlist-totals")

    # Move pair_a through the pipeline with the keyboard-usable buttons.
    page.get_by_role("link", name="Pipeline").click()
    entry = campaign.entries.get(profile__handle="pair_a")
    page.locator(f"#card-{entry.pk} button:has-text('Contacted →')").click()  # the one-click next step
    page.wait_for_selector(f"[data-status=contacted] #card-{entry.pk}")
    for status in ("contracted", "published"):
        page.select_option(f"#move-{entry.pk}", status)
        page.locator(f"#card-{entry.pk} button:has-text('Move')").click()
        page.wait_for_selector(f"[data-status={status}] #card-{entry.pk}")
    page.wait_for_selector(f"[data-status=published] #card-{entry.pk}")
    page.screenshot(path=str(ARTIFACTS / "campaign-board.png"), full_page=True)
    assert list(StatusChange.objects.filter(entry=entry).values_list("to_status", flat=True)) == [
        "shortlisted",
        "contacted",
        "contracted",
        "published",
    ]

    # Enter results for the published post.
    page.get_by_role("link", name="Results").click()
    page.select_option("#id_entry", str(entry.pk))
    page.fill("#id_post_ref", "https://instagram.com/p/abc")
    for field, value in {
        "views": "4900",
        "reach": "6500",
        "impressions": "7400",
        "likes": "380",
        "comments": "15",
        "shares": "5",
        "cost": "500",
        "revenue": "900",
    }.items():
        page.fill(f"#id_{field}", value)
    page.click("#save-result")
    page.wait_for_selector("#results-table")
    assert PostResult.objects.get(entry=entry).impressions == 7400

    # Open the report and see its charts.
    page.get_by_role("link", name="Report").click()
    page.wait_for_selector("#chart-views[data-rendered='1']")
    page.wait_for_selector("#chart-impressions[data-rendered='1']")
    assert page.inner_text("#kpi-cpe") == "1.25 GBP"  # 500 / (380 + 15 + 5)
    assert page.inner_text("#kpi-roi") == "80 %"
    assert page.evaluate("document.getElementById('chart-reach').chart.data.datasets[0].data[0]") == 6500
    page.screenshot(path=str(ARTIFACTS / "campaign-report.png"), full_page=True)

    # A member of another brand cannot reach any of it.
    other = _playwright_browser.new_context(base_url=live_server.url)
    stranger = other.new_page()
    stranger.goto("/accounts/login/")
    stranger.fill("#id_username", other_brand_member.username)
    stranger.fill("#id_password", PASSWORD)
    stranger.click("button[type=submit]")
    stranger.wait_for_load_state("networkidle")
    for path in ("/", "/board/", "/results/", "/report/", "/report/?print=1", "/report.csv", "/edit/"):
        response = stranger.request.get(f"/campaigns/{campaign.pk}{path}")
        assert response.status == 404, path
    api = stranger.request.get(f"/api/campaigns/{campaign.pk}/report/")
    assert api.status == 404
    stranger.goto("/campaigns/")
    assert not re.search("Spring glow", stranger.content())
    other.close()
