"""Scoring services against the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from discovery.models import Profile
from scoring.models import DirtyProfile, ProfileScore, ScoringRun
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
    assert not DirtyProfile.objects.filter(profile=profile).exists()
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
    assert not DirtyProfile.objects.filter(pk=profile.pk).exists()


def test_sponsored_share_from_flag_hashtag_and_caption_disclosures():
    profile = ProfileFactory(followers=10_000)
    now = timezone.now()
    PostFactory(
        profile=profile, posted_at=now - dt.timedelta(days=1), likes=100, comments=0, is_sponsored=True
    )
    PostFactory(profile=profile, posted_at=now - dt.timedelta(days=2), likes=100, comments=0, hashtags=["ad"])
    PostFactory(
        profile=profile, posted_at=now - dt.timedelta(days=3), likes=100, comments=0, caption="new #gifted"
    )
    PostFactory(
        profile=profile, posted_at=now - dt.timedelta(days=4), likes=300, comments=0, caption="#adventure"
    )

    scoring_run_sync()

    score = ProfileScore.objects.get(profile=profile)
    assert score.sponsored_share == pytest.approx(0.75)  # flag, hashtag, caption; "#adventure" is not "#ad"
    assert score.sponsored_er == pytest.approx(1.0)
    assert score.organic_er == pytest.approx(3.0)


def test_signals_flag_mass_following_and_fake_sample():
    from discovery.models import FollowerSample

    profile = ProfileFactory(followers=10_000, following=4_000)
    _posts(profile, 3)
    for i in range(20):
        FollowerSample.objects.create(
            profile=profile,
            username=f"bot{i:06d}",
            posts=0,
            following=5_000,
            followers=2,
            has_profile_picture=False,
            is_private=False,
        )

    scoring_run_sync()

    signals = {s["code"]: s for s in ProfileScore.objects.get(profile=profile).signals}
    assert signals["mass_follow"]["flagged"] is True
    assert signals["mass_follow"]["value"] == 4_000
    assert signals["fake_followers"]["flagged"] is True
    assert signals["fake_followers"]["value"] == 1.0
    assert signals["fake_followers"]["range"][0] > 0.8
    assert "20-follower sample" in signals["fake_followers"]["sentence"]
    score = ProfileScore.objects.get(profile=profile)
    assert score.quality == 100 - 10 - 35  # mass follow + fake share penalties (defaults)
    assert score.quality_confidence < 1


def test_changing_the_tier_scheme_relabels_profiles(django_capture_on_commit_callbacks, monkeypatch):
    from scoring import tasks
    from scoring.services import tier_scheme_apply, tiers_relabel

    sent = []
    monkeypatch.setattr(tasks.relabel_tiers_task, "delay", lambda **kw: sent.append(kw))
    profile = ProfileFactory(followers=25_000)  # default: micro; HypeAuditor 20K-100K: mid
    scoring_run_sync()
    assert ProfileScore.objects.get(profile=profile).tier == "micro"

    with django_capture_on_commit_callbacks(execute=True):
        tier_scheme_apply(platform="instagram", preset="hypeauditor")
    assert sent == [{"platform": "instagram"}]
    tiers_relabel(platform="instagram")  # what the task runs

    assert ProfileScore.objects.get(profile=profile).tier == "mid"
    assert DirtyProfile.objects.filter(pk=profile.pk).exists()


def test_bad_thresholds_are_refused():
    from django.core.exceptions import ValidationError

    from scoring.services import tier_scheme_apply

    with pytest.raises(ValidationError):
        tier_scheme_apply(
            platform="tiktok",
            preset="custom",
            micro_min=5_000,
            mid_min=None,
            macro_min=4_000,
            mega_min=1_000_000,
        )


def test_a_failing_profile_is_recorded_and_the_rest_scored(monkeypatch):
    from scoring.services import chunk as chunk_module

    good = ProfileFactory(followers=5_000)
    bad = ProfileFactory(followers=6_000)
    real = chunk_module.chunk_score_rows

    def flaky(*, profile_ids, context, **options):
        if bad.pk in profile_ids:
            raise RuntimeError("corrupt row")
        return real(profile_ids=profile_ids, context=context, **options)

    monkeypatch.setattr("scoring.services.runs.chunk_score_rows", flaky)

    run = scoring_run_sync()

    assert (run.scored, run.failed) == (1, 1)
    assert run.errors == [{"profile_id": bad.pk, "error": "RuntimeError: corrupt row"}]
    assert not DirtyProfile.objects.filter(pk=good.pk).exists()
    assert DirtyProfile.objects.filter(pk=bad.pk).exists()  # stays dirty for the next run


@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_disjoint_profiles():
    import threading

    from django.db import connection, transaction

    from scoring.services import profiles_claim

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    ProfileFactory.create_batch(10)
    held, release, first = threading.Event(), threading.Event(), []

    def worker_a():
        with transaction.atomic():
            first.extend(profiles_claim(batch_size=6))
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=worker_a)
    thread.start()
    held.wait(10)
    with transaction.atomic():
        second = profiles_claim(batch_size=6)
    release.set()
    thread.join()

    assert len(first) == 6
    assert len(second) == 4
    assert not set(first) & set(second)


def test_rescoring_rewrites_changed_numbers_only():
    profile = ProfileFactory(followers=10_000)
    _posts(profile, 2, likes=100, comments=0)
    scoring_run_sync()
    first = ProfileScore.objects.get(profile=profile)

    scoring_run_sync(all_profiles=True)  # nothing changed
    unchanged = ProfileScore.objects.get(profile=profile)
    Profile.objects.filter(pk=profile.pk).update(followers=20_000)
    scoring_run_sync(all_profiles=True)
    changed = ProfileScore.objects.get(profile=profile)

    from django.db import connection

    if connection.vendor == "postgresql":  # the skip-unchanged upsert; SQLite rewrites every row
        assert unchanged.computed_at == first.computed_at
    assert changed.followers == 20_000
    assert changed.computed_at > first.computed_at


def test_a_full_rescore_scores_clean_profiles_without_flagging_them():
    clean = ProfileFactory.create_batch(2, followers=5_000, score_dirty=False)
    dirty = ProfileFactory(followers=50_000)
    for profile in [*clean, dirty]:
        _posts(profile, 3)

    run = scoring_run_sync(all_profiles=True, batch_size=2)

    assert (run.kind, run.total, run.scored, run.failed, run.batches) == (ScoringRun.Kind.FULL, 3, 3, 0, 2)
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert set(ProfileScore.objects.values_list("profile_id", flat=True)) == {p.pk for p in [*clean, dirty]}
    assert not DirtyProfile.objects.exists()  # the dirty one was cleared too
    assert not run.queue.exists()


def test_a_failing_profile_in_a_full_rescore_is_flagged_for_the_next_run(monkeypatch):
    from scoring.services import chunk as chunk_module

    good = ProfileFactory(followers=5_000, score_dirty=False)
    bad = ProfileFactory(followers=6_000, score_dirty=False)
    real = chunk_module.chunk_score_rows

    def flaky(*, profile_ids, context, **options):
        if bad.pk in profile_ids:
            raise RuntimeError("corrupt row")
        return real(profile_ids=profile_ids, context=context, **options)

    monkeypatch.setattr("scoring.services.runs.chunk_score_rows", flaky)

    run = scoring_run_sync(all_profiles=True)

    assert (run.scored, run.failed, run.status) == (1, 1, ScoringRun.Status.SUCCEEDED)
    assert not DirtyProfile.objects.filter(pk=good.pk).exists()
    assert DirtyProfile.objects.filter(pk=bad.pk).exists()
    assert not run.queue.exists()


def test_an_abandoned_full_rescore_flags_its_unscored_profiles():
    from scoring.services import scoring_run_create
    from scoring.services.runs import scoring_runs_abandon_stale

    profiles = ProfileFactory.create_batch(3, score_dirty=False)
    run = scoring_run_create(kind=ScoringRun.Kind.FULL, triggered_by="test")
    assert run.total == 3
    ScoringRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))

    assert scoring_runs_abandon_stale() == 1

    run.refresh_from_db()
    assert run.status == ScoringRun.Status.FAILED
    assert DirtyProfile.objects.filter(pk__in=[p.pk for p in profiles]).count() == 3
    assert not run.queue.exists()


@pytest.mark.django_db(transaction=True)
def test_two_full_run_chains_claim_disjoint_queued_profiles():
    import threading

    from django.db import connection, transaction

    from scoring.services import scoring_run_create
    from scoring.services.runs import queue_claim

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    ProfileFactory.create_batch(10, score_dirty=False)
    run = scoring_run_create(kind=ScoringRun.Kind.FULL, triggered_by="test")
    held, release, first = threading.Event(), threading.Event(), []

    def chain_a():
        with transaction.atomic():
            first.extend(queue_claim(run_id=run.pk, batch_size=6))
            held.set()
            release.wait(10)
            transaction.set_rollback(True)  # a killed chunk: its profiles go back to the queue
        connection.close()

    thread = threading.Thread(target=chain_a)
    thread.start()
    held.wait(10)
    with transaction.atomic():
        second = queue_claim(run_id=run.pk, batch_size=6)
    release.set()
    thread.join()

    assert len(first) == 6
    assert len(second) == 4
    assert not set(first) & set(second)
    assert sorted(run.queue.values_list("profile_id", flat=True)) == sorted(first)


def test_the_score_write_keeps_empty_text_null_and_awkward_json_apart():
    from scoring.services import scores_write

    profile = ProfileFactory()
    awkward = [{"code": "x", "sentence": 'Gained 1,000 "followers"\nin a day \\N', "value": None}]
    now = timezone.now()

    scores_write(
        rows=[
            {
                "profile_id": profile.pk,
                "tier": "micro",
                "er": None,
                "er_method": "",
                "er_rating": "",
                "signals": awkward,
                "price": Decimal("12.35"),
                "tier_relative_er": 0.1 + 0.2,
                "computed_at": now,
            }
        ]
    )

    score = ProfileScore.objects.get(profile=profile)
    assert (score.tier, score.er, score.er_method, score.er_rating) == ("micro", None, "", "")
    assert score.signals == awkward
    assert score.price == Decimal("12.35")
    assert score.tier_relative_er == 0.1 + 0.2  # floats round-trip exactly
    assert score.computed_at == now


def test_a_dirty_rescore_leaves_unchanged_score_rows_unlocked_and_rewrites_changed_ones():
    # given: two scored profiles, marked dirty again; only one of them has new numbers
    from django.db import connection

    from scoring.services import profiles_mark_dirty

    if connection.vendor != "postgresql":
        pytest.skip("row versions and locks (xmin, xmax) are PostgreSQL's")
    same, moved = ProfileFactory(followers=10_000), ProfileFactory(followers=10_000)
    for profile in (same, moved):
        _posts(profile, 2, likes=100, comments=0)
    scoring_run_sync()
    Profile.objects.filter(pk=moved.pk).update(followers=20_000)
    profiles_mark_dirty(profile_ids=[same.pk, moved.pk])

    def versions() -> dict[int, tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT profile_id, xmin::text, xmax::text FROM scoring_profilescore "
                "WHERE profile_id = ANY(%s)",
                [[same.pk, moved.pk]],
            )
            return {pk: (xmin, xmax) for pk, xmin, xmax in cursor.fetchall()}

    before = versions()
    computed_before = ProfileScore.objects.get(profile=same).computed_at

    # when
    run = scoring_run_sync()

    # then: the unchanged row was neither rewritten nor locked (ON CONFLICT ... DO UPDATE ... WHERE
    # false would have set its xmax to the run's transaction); the changed one was rewritten
    after = versions()
    assert run.scored == 2
    assert after[same.pk] == before[same.pk]
    assert after[moved.pk][0] != before[moved.pk][0]
    assert ProfileScore.objects.get(profile=same).computed_at == computed_before
    assert ProfileScore.objects.get(profile=moved).followers == 20_000
