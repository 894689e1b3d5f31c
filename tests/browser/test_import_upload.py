"""An admin uploads a vendor file in a real Chromium, checks the mapping, and watches the progress bar."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from discovery.models import ImportJob, Profile
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = 15_000


def _vendor_file(tmp_path: Path) -> Path:
    lines = ["Rank,Tiktoker name,Tiktok name,Subscribers count,Subscribers count"]
    lines += [
        f"{i},user_{i},User {i},{(i % 900) / 10 + 1:.1f}K,{1000 + (i % 900) * 100}" for i in range(ROWS)
    ]
    path = tmp_path / "tiktok dec 2022.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_admin_uploads_and_watches_the_progress_bar_reach_the_summary(
    page, login, platform_admin, celery_worker, tmp_path: Path
) -> None:
    login(platform_admin)
    page.goto("/imports/")
    page.wait_for_selector("text=No imports yet")

    page.set_input_files("#id_file", str(_vendor_file(tmp_path)))
    page.select_option("#id_kind", "profiles")
    page.click("text=Upload and preview")
    page.wait_for_selector("#mapping-form")
    assert page.locator("#map-handle").input_value() == "Tiktoker name"
    assert page.locator("#map-followers").input_value() == "Subscribers count"
    page.screenshot(path=str(ARTIFACTS / "import-mapping.png"), full_page=True)
    page.click("#start-import")

    bar = page.locator("[role=progressbar]")
    seen: list[int] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not page.locator("#import-summary").count():
        if bar.count():
            seen.append(int(bar.get_attribute("aria-valuenow") or 0))
        time.sleep(0.2)
    page.wait_for_selector("#import-summary", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "import-summary.png"), full_page=True)

    assert seen
    assert min(seen) < 100
    assert seen == sorted(seen)  # and only moved forward
    assert bar.get_attribute("aria-valuenow") == "100"
    assert page.locator("#sum-created").inner_text() == f"{ROWS:,}"
    assert page.locator("#sum-rejected").inner_text() == "0"
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.SUCCEEDED
    assert Profile.objects.filter(platform="tiktok").count() == ROWS
