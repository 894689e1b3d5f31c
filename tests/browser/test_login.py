"""A person logs in, fails a login, and logs out in a real Chromium."""

from __future__ import annotations

import pytest

from tests.factories.core import PASSWORD
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_then_logout(page, brand_member) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url

    page.fill("#id_username", brand_member.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_selector("text=Log out")
    assert "/accounts/login/" not in page.url
    page.click("text=Log out")
    page.wait_for_selector("#id_username")
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_failed_login_shows_an_error_and_stays_logged_out(page, brand_member) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", brand_member.username)
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")

    assert page.locator("[role=alert]").inner_text().startswith("Your username and password didn't match")
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_member_sees_only_their_organisation_on_the_settings_page(
    page, login, brand_member, brand_owner, other_brand_member, agency
) -> None:
    login(brand_member)

    page.click("text=Settings")
    page.wait_for_selector("#org-name")

    assert page.url.endswith("/settings/organisation/acme/")
    assert page.locator("#org-name").inner_text() == "Acme Cosmetics"
    body = page.locator("main").inner_text()
    assert "brand_owner" in body
    assert "Bright Agency" in body
    assert "Other Brand" not in body
    assert "other_brand" not in body
    # Another organisation's page is a 404, not a "forbidden" that confirms it exists.
    response = page.goto("/settings/organisation/other-brand/")
    assert response.status == 404
    page.screenshot(path=str(ARTIFACTS / "settings_other_org_404.png"))


def test_five_wrong_passwords_show_the_locked_out_page(page, brand_member) -> None:
    for _ in range(5):
        page.goto("/accounts/login/")
        page.fill("#id_username", brand_member.username)
        page.fill("#id_password", "wrong password")
        page.click("button[type=submit]")

    page.goto("/accounts/login/")
    page.fill("#id_username", brand_member.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    assert page.locator("h1").inner_text() == "Too many failed logins"
    page.goto("/")
    assert "/accounts/login/" in page.url
