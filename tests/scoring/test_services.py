"""Scoring services against the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from discovery.models import Profile
from scoring.models import ProfileScore, ScoringRun
from scoring.services import scoring_run_sync
from tests.factories.discovery import FollowerSnapshotFactory, PostFactory, ProfileFactory
from tests.factories.scoring import QuotedRateFactory

pytestmark = pytest.mark.django_db


def _posts(profile, n, likes=800, comments=40, **kw):
    now = timezone.now()
    return [
        PostFactory(
            profile=profile, posted_at=now - dt.timedelta(days=i + 1), likes=likes, comments=comments, **kw
        )
        for i in range(n)
    ]


def test_dirty_profiles_are_scored_and_cleared():
    # given a micro profile with 12 posts and one untouched clean profile
    profile = ProfileFactory(followers=20_000)
    _posts(profile, 12)
    clean = ProfileFactory(followers=5_000, score_dirty=False)

    # when
    run = scoring_run_sync()

    # then
    score = ProfileScore.objects.get(profile=profile)
    assert score.tier == "micro"
    assert score.er == pytest.approx(840 / 20_000 * 100)
    assert score.er_provenance == "measured"
    assert score.er_posts_used == 12
    assert score.er_method == "followers"
    assert score.price_provenance == "estimated"
    assert score.currency == "GBP"
    assert score.price_low < score.price < score.price_high
    assert score.expected_engagements == pytest.approx(840)
    assert score.expected_reach == pytest.approx(20_000 * 0.38)
    assert score.cpe == (score.price / Decimal("840")).quantize(Decimal("0.0001"))
    assert len(score.signals) == 6
    assert {s["code"] for s in score.signals} >= {"follower_spike", "mass_follow", "fake_followers"}
    profile.refresh_from_db()
    assert profile.score_dirty is False
    assert not ProfileScore.objects.filter(profile=clean).exists()
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert run.scored == 1


def test_quoted_rate_wins_over_the_estimate():
    profile = ProfileFactory(followers=20_000)
    _posts(profile, 3)
    QuotedRateFactory(profile=profile, amount=Decimal("450.00"), currency="GBP")

    call_command("score_profiles", all=True)

    score = ProfileScore.objects.get(profile=profile)
    assert score.price == Decimal("450.00")
    assert score.price_provenance == "quoted"
    assert score.has_quoted_rate is True


def test_imported_averages_when_no_posts():
    profile = ProfileFactory(
        followers=200_000, avg_likes=3_000, avg_comments=100, stats_as_of=dt.date(2022, 12, 1)
    )

    scoring_run_sync()

    score = ProfileScore.objects.get(profile=profile)
    assert score.tier == "macro"
    assert score.er == pytest.approx(3_100 / 200_000 * 100)
    assert score.er_provenance == "imported"
    assert score.er_as_of == dt.date(2022, 12, 1)
    assert score.er_posts_used == 0


def test_growth_from_snapshots():
    profile = ProfileFactory(followers=11_000)
    FollowerSnapshotFactory(profile=profile, captured_on=dt.date(2026, 1, 1), followers=10_000)
    FollowerSnapshotFactory(profile=profile, captured_on=dt.date(2026, 2, 10), followers=11_000)

    scoring_run_sync()

    score = ProfileScore.objects.get(profile=profile)
    # window start 2026-01-11 lies 10/40 of the way: 10,250 -> 11,000
    assert score.growth_30d_abs == 750
    assert score.growth_30d_pct == pytest.approx(750 / 10_250 * 100)
    assert score.growth_90d_abs is None
    assert Profile.objects.get(pk=profile.pk).score_dirty is False
