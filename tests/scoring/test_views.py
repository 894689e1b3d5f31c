"""Scoring admin pages: access, rescore, progress partial."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discovery.models import Profile
from scoring.models import ScoringRun
from tests.factories.discovery import ProfileFactory
from tests.factories.scoring import ScoringRunFactory

pytestmark = pytest.mark.django_db


def test_non_admins_get_404(client, brand_owner):
    client.force_login(brand_owner)
    assert client.get(reverse("scoring:run-list")).status_code == 404
    assert client.post(reverse("scoring:rescore-all")).status_code == 404


def test_run_list_shows_runs_and_empty_state(client, platform_admin):
    client.force_login(platform_admin)
    empty = client.get(reverse("scoring:run-list"))
    assert "No scoring run yet" in empty.content.decode()

    ScoringRunFactory(status=ScoringRun.Status.RUNNING, total=10, scored=4)
    page = client.get(reverse("scoring:run-list")).content.decode()
    assert 'aria-valuenow="40"' in page
    assert "every 2s" in page


def test_rescore_all_queues_everyone_and_enqueues(
    client, platform_admin, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    from scoring import tasks

    monkeypatch.setattr(
        tasks.score_dirty_profiles_task, "apply_async", lambda kwargs=None, **options: sent.append(kwargs)
    )
    ProfileFactory.create_batch(3, score_dirty=False)
    client.force_login(platform_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:rescore-all"))

    assert response.status_code == 302
    run = ScoringRun.objects.get()
    assert run.kind == ScoringRun.Kind.FULL
    assert run.total == 3
    assert sorted(run.queue.values_list("profile_id", flat=True)) == sorted(
        Profile.objects.values_list("id", flat=True)
    )
    assert sent == [{"run_id": run.pk}]


def test_rescore_needs_csrf(platform_admin):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    assert client.post(reverse("scoring:rescore-all")).status_code == 403


def test_progress_partial_stops_polling_when_done(client, platform_admin):
    run = ScoringRunFactory(status=ScoringRun.Status.SUCCEEDED)
    client.force_login(platform_admin)
    body = client.get(reverse("scoring:run-progress", args=[run.pk])).content.decode()
    assert "hx-trigger" not in body
    assert 'aria-valuenow="100"' in body


def test_polled_progress_reloads_the_page_when_the_run_finishes(client, platform_admin):
    client.force_login(platform_admin)
    running = ScoringRunFactory(status=ScoringRun.Status.RUNNING)
    url = reverse("scoring:run-progress", args=[running.pk])
    polled = client.get(url, headers={"HX-Request": "true"})
    assert "HX-Refresh" not in polled  # still going: keep polling the bar

    for status in (ScoringRun.Status.SUCCEEDED, ScoringRun.Status.FAILED):
        running.status = status
        running.save()
        polled = client.get(url, headers={"HX-Request": "true"})
        assert polled["HX-Refresh"] == "true"  # the run list beneath is stale: reload it
        plain = client.get(url)
        assert "HX-Refresh" not in plain  # not htmx: nothing to reload
