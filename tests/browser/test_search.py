"""A marketer searches, narrows, sorts, opens a profile, shortlists it and shares the URL (real Chromium)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories.discovery import FollowerSnapshotFactory, NicheFactory, PostFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    """Beauty micro creators at several prices, plus decoys in another niche and tier."""
    beauty = NicheFactory(name="Beauty", slug="beauty")
    travel = NicheFactory(name="Travel", slug="travel")
    made = {}
    specs = [
        # handle, niche, tier, followers, price, expected engagements -> CPE = price / engagements
        ("glowjen", beauty, "micro", 40_000, "300.00", 1_500.0),  # 0.2
        ("skinsam", beauty, "micro", 25_000, "200.00", 2_000.0),  # 0.1
        ("lashkim", beauty, "micro", 60_000, "900.00", 1_800.0),  # 0.5, above the price ceiling
        ("megaglow", beauty, "macro", 400_000, "250.00", 9_000.0),  # wrong tier
        ("roamalex", travel, "micro", 30_000, "150.00", 3_000.0),  # wrong niche
    ]
    for handle, niche, tier, followers, price, engagements in specs:
        profile = ProfileFactory(handle=handle, name=handle.title(), followers=followers)
        profile.niches.add(niche)
        price_d = Decimal(price)
        ProfileScoreFactory(
            profile=profile,
            tier=tier,
            price=price_d,
            price_low=price_d * Decimal("0.8"),
            price_high=price_d * Decimal("1.2"),
            expected_engagements=engagements,
        )
        made[handle] = profile
    for day, followers in [(1, 38_000), (8, 38_400), (15, 39_900), (22, 40_000)]:
        FollowerSnapshotFactory(
            profile=made["glowjen"], captured_on=dt.date(2026, 10, day), followers=followers
        )
    for _ in range(4):
        PostFactory(profile=made["glowjen"])
    return made


def _handles(page) -> list[str]:
    return [h.strip().lstrip("@") for h in page.locator("tr.result .handle").all_inner_texts()]


def test_marketer_finds_sorts_opens_and_shares_a_search(page, login, brand, brand_member, catalogue) -> None:
    from tests.factories.campaigns import CampaignFactory

    campaign = CampaignFactory(organisation=brand, name="Spring glow launch")
    login(brand_member)
    page.goto("/")
    page.wait_for_selector("#search-form")

    # Search by niche and tier: htmx swaps the results and pushes the state into the URL.
    page.select_option("#id_niche", ["beauty"])
    page.check("input[name=tier][value=micro]")
    page.wait_for_function(
        "() => location.search.includes('tier=micro') && location.search.includes('niche=beauty')"
    )
    page.wait_for_function("() => document.querySelectorAll('tr.result').length === 3")
    assert sorted(_handles(page)) == ["glowjen", "lashkim", "skinsam"]

    # Narrow by price, then sort by cost per engagement (cheapest first).
    page.fill("#id_price_max", "500")
    page.press("#id_price_max", "Tab")
    page.wait_for_function("() => document.querySelectorAll('tr.result').length === 2")
    page.select_option("#id_ordering", "cpe")
    page.wait_for_function("() => location.search.includes('ordering=cpe')")
    page.wait_for_function(
        "() => document.querySelector('tr.result .handle').textContent.includes('skinsam')"
    )
    assert _handles(page) == ["skinsam", "glowjen"]
    assert page.locator("#result-count").inner_text() == "2"
    assert page.locator(".chip", has_text="Price max").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)
    shared_url = page.url

    # Open a profile: the growth chart is drawn by Chart.js.
    page.click("text=@glowjen")
    page.wait_for_selector("#growth-chart")
    page.wait_for_function("() => document.body.dataset.chartsReady === '1'")
    assert page.evaluate("() => window.Chart.getChart('growth-chart') !== undefined")
    assert page.evaluate("() => window.microlensCharts.growth.data.datasets[0].data.length") == 4
    assert page.locator("#growth-chart").bounding_box()["height"] > 50
    page.screenshot(path=str(ARTIFACTS / "profile-page.png"), full_page=True)

    # Add to a shortlist of the marketer's own campaign from the profile page.
    page.select_option("#shortlist-box select[name=campaign]", str(campaign.pk))
    page.click("#shortlist-box button:has-text('Add to shortlist')")
    page.wait_for_selector("#shortlist-box >> text=On the shortlist of")
    assert campaign.entries.filter(profile=catalogue["glowjen"]).exists()

    # Share the URL: a fresh visit (no JS state) shows the same results in the same order.
    page.goto(shared_url)
    page.wait_for_selector("tr.result")
    assert _handles(page) == ["skinsam", "glowjen"]
    assert page.locator("#id_price_max").input_value() == "500"
    assert page.locator("#id_ordering").input_value() == "cpe"


def test_removing_a_chip_updates_results_and_the_form(page, login, brand_member, catalogue) -> None:
    login(brand_member)
    page.goto("/?niche=beauty&tier=micro")
    page.wait_for_selector("tr.result")
    assert len(_handles(page)) == 3

    page.click(".chip:has-text('Tier') .chip-remove")

    page.wait_for_function("() => !location.search.includes('tier=')")
    page.wait_for_function("() => document.querySelectorAll('tr.result').length === 4")
    assert not page.locator("input[name=tier][value=micro]").is_checked()
