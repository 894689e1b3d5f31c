"""An admin starts a full rescore and watches the progress bar fill, in a real Chromium."""

from __future__ import annotations

import pytest

from scoring.models import ScoringRun
from scoring.services import scoring_run_step
from tests.factories.discovery import ProfileFactory
from tests.services import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rescore_all_shows_live_progress(page, login, platform_admin) -> None:
    ProfileFactory.create_batch(4, score_dirty=False)
    login(platform_admin)
    page.goto("/scoring/")
    page.wait_for_selector("text=No scoring run yet")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Rescore all profiles")
    page.wait_for_selector("text=Full rescore")
    bar = page.locator("[role=progressbar]").first
    assert bar.get_attribute("aria-valuenow") == "0"

    # a worker (here: this test) scores the run in two chunks; htmx polling updates the bar
    run = ScoringRun.objects.get()
    scoring_run_step(run_id=run.pk, batch_size=2)
    page.wait_for_function(
        "document.querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '50'", timeout=10_000
    )
    page.screenshot(path=str(ARTIFACTS / "scoring_progress.png"))
    scoring_run_step(run_id=run.pk, batch_size=2)
    scoring_run_step(run_id=run.pk, batch_size=2)
    # Done: the page reloads itself, so the run list shows the finished run and no bar is left.
    page.wait_for_selector(f"text=Run #{run.pk} in progress", state="detached", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "scoring_finished.png"))
    row = page.locator("table tbody tr").first.inner_text()
    assert "Succeeded" in row
    assert "Full rescore" in row
    assert page.locator("[role=progressbar]").count() == 0
