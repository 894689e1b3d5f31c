"""Organisations in a real Chromium: inviting a newcomer by email link, switching organisation."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories.core import MembershipFactory, OrganisationFactory
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_invites_a_newcomer_who_joins_through_the_emailed_link(page, login, brand_owner) -> None:
    login(brand_owner)
    page.goto("/settings/organisation/")
    page.fill("#id_email", "newcomer@example.com")
    page.select_option("#id_role", "viewer")
    page.click("text=Send invitation")
    page.wait_for_selector("text=Invitation sent to newcomer@example.com")
    assert "newcomer@example.com" in page.locator("main").inner_text()

    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    newcomer = page.context.browser.new_context(base_url=page.base_url).new_page()
    newcomer.goto(link)
    newcomer.fill("#id_username", "newcomer")
    newcomer.fill("#id_password1", "plenty-long-pass-9")
    newcomer.fill("#id_password2", "plenty-long-pass-9")
    newcomer.click("text=Create account and join")

    newcomer.wait_for_selector("#org-name")
    assert newcomer.locator("#org-name").inner_text() == "Acme Cosmetics"
    assert "your role: viewer" in newcomer.locator("main").inner_text()
    newcomer.screenshot(path=str(ARTIFACTS / "invitation_joined.png"))
    newcomer.context.close()


def test_a_user_in_two_organisations_switches_from_the_header(page, login, brand, brand_member) -> None:
    second = OrganisationFactory(name="Zeta Brand", slug="zeta", kind="brand")
    MembershipFactory(user=brand_member, organisation=second, role="viewer")
    login(brand_member)
    page.goto("/settings/organisation/")
    assert page.locator("#org-name").inner_text() == "Acme Cosmetics"

    page.select_option("#org-switcher", str(second.pk))
    page.click(".org-switcher button")
    page.wait_for_selector("text=You are now working in Zeta Brand")
    page.goto("/settings/organisation/")

    assert page.locator("#org-name").inner_text() == "Zeta Brand"
    assert page.locator("#org-switcher").input_value() == str(second.pk)
