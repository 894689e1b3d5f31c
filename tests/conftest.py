"""Shared fixtures: personas, real services (worker, browser)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import ARTIFACTS, WorkerProcess, redis_url, test_database_url


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Each test starts with an empty local-memory cache and no remembered search totals.

    Without this, state keyed by ids outlived its test: on SQLite, whose rolled-back ids are reused, a
    later test's user inherited earlier tests' API requests in the throttle's log and got 429s.
    """
    from django.core.cache import cache

    from discovery import selectors

    cache.clear()  # config.settings_test: a LocMemCache, private to this process
    selectors._fresh_totals.clear()


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[WorkerProcess]:
    """A real Celery worker process on Redis, reading and writing the test database.

    Tests using it see committed data only, hence ``transactional_db``.
    """
    redis_url()
    from config.celery import app

    app.control.purge()
    worker = WorkerProcess(test_database_url(), ARTIFACTS / "worker.log")
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


# Personas for the access matrix (DOMAIN.md, "Who uses it"): one brand served by one agency,
# an unrelated agency, and another brand.
@pytest.fixture
def brand(db):
    from tests.factories.core import OrganisationFactory

    return OrganisationFactory(name="Acme Cosmetics", slug="acme", kind="brand")


@pytest.fixture
def agency(db, brand):
    from tests.factories.core import AgencyClientFactory, OrganisationFactory

    agency = OrganisationFactory(name="Bright Agency", slug="bright", kind="agency")
    AgencyClientFactory(agency=agency, brand=brand)
    return agency


def _member(org, role: str, username: str):
    from tests.factories.core import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def brand_owner(brand):
    return _member(brand, "owner", "brand_owner")


@pytest.fixture
def brand_member(brand):
    return _member(brand, "member", "brand_member")


@pytest.fixture
def brand_viewer(brand):
    return _member(brand, "viewer", "brand_viewer")


@pytest.fixture
def agency_staff(agency):
    return _member(agency, "member", "agency_staff")


@pytest.fixture
def outsider_agency_staff(db):
    from tests.factories.core import OrganisationFactory

    return _member(
        OrganisationFactory(name="Other Agency", slug="other-agency", kind="agency"), "member", "other_agency"
    )


@pytest.fixture
def other_brand_member(db):
    from tests.factories.core import OrganisationFactory

    return _member(
        OrganisationFactory(name="Other Brand", slug="other-brand", kind="brand"), "owner", "other_brand"
    )


@pytest.fixture
def platform_admin(db):
    from tests.factories.core import UserFactory

    return UserFactory(username="admin", is_staff=True, is_superuser=True)


# Browser tests: a real Chromium through Playwright against pytest-django's live server.
@pytest.fixture(scope="session")
def _playwright_browser():
    import os

    from tests.services import CHROMIUM, CHROMIUM_ARGS, missing_service

    if not os.path.exists(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in another thread, but fixtures touching the ORM here need this.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    """A fresh browser page; ``page.base_url`` is the live server's address."""
    context = _playwright_browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log ``user`` in through the real login form (password: tests.factories.core.PASSWORD)."""
    from tests.factories.core import PASSWORD

    def _login(user):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return _login
