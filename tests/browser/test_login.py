"""A person logs in, fails a login, and logs out in a real Chromium."""

from __future__ import annotations

import pytest

from tests.factories.core import PASSWORD

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
