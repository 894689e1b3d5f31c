"""The set-based write path (PostgreSQL, clean chunks) stores exactly what the row-keyed path stores."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from discovery.generator import generate_catalog
from discovery.models import Creator, FollowerSnapshot, Niche, Post, Profile
from discovery.services.imports import import_file, run, writers
from scoring.models import DirtyProfile

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 16)
PROFILE_COLUMNS = (
    "platform",
    "handle",
    "name",
    "bio",
    "country",
    "language",
    "url",
    "email",
    "verified",
    "followers",
    "following",
    "posts_count",
    "avg_likes",
    "avg_comments",
    "avg_views",
    "avg_shares",
    "audience_countries",
    "audience_main_country",
    "audience_female_pct",
    "audience_age_main",
    "stats_as_of",
    "creator__name",
)
POST_COLUMNS = (
    "profile__handle",
    "external_id",
    "posted_at",
    "kind",
    "likes",
    "comments",
    "shares",
    "saves",
    "views",
    "is_sponsored",
    "caption",
    "hashtags",
    "mentions",
)


def _catalogue() -> dict[str, Any]:
    """Everything an import stores, without ids or timestamps."""
    return {
        "profiles": sorted(Profile.objects.values_list(*PROFILE_COLUMNS), key=repr),
        "niches": sorted(Profile.niches.through.objects.values_list("profile__handle", "niche__slug")),
        "dirty": sorted(DirtyProfile.objects.values_list("profile__platform", "profile__handle")),
        "snapshots": sorted(
            FollowerSnapshot.objects.values_list(
                "profile__handle", "captured_on", "followers", "following", "posts_count"
            )
        ),
        "posts": sorted(Post.objects.values_list(*POST_COLUMNS), key=repr),
    }


def _import_all(folder: Path) -> list[tuple[int, int, int, int, int]]:
    counts = []
    for kind in ("profiles", "snapshots", "posts"):
        summary = import_file(path=folder / f"{kind}.csv", kind=kind, chunk_size=40)
        assert summary.ok, summary.message
        counts.append((summary.total, summary.created, summary.updated, summary.unchanged, summary.rejected))
    return counts


def _empty() -> None:
    Profile.objects.all().delete()
    Creator.objects.all().delete()
    Niche.objects.filter(curated=False).delete()


@pytest.fixture
def set_based_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each chunk took the set-based write (True) or fell back to row by row (False)."""
    set_based = run._write_set_based
    taken: list[bool] = []

    def spy(writer: Any, parsed: Any) -> Any:
        counts = set_based(writer, parsed)
        taken.append(counts is not None)
        return counts

    monkeypatch.setattr(run, "_write_set_based", spy)
    return taken


def test_set_based_and_row_keyed_paths_store_the_same_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_based_taken: list[bool]
) -> None:
    # given a generated catalogue (every column the generator writes)
    generate_catalog(profiles=120, seed=11, out_dir=tmp_path, as_of=AS_OF)

    # when it is imported with the set-based path where it applies, then again row by row only
    taken = set_based_taken
    fast_counts = _import_all(tmp_path)
    fast = _catalogue()
    _empty()
    monkeypatch.setattr(run, "_write_set_based", lambda writer, parsed: None)
    slow_counts = _import_all(tmp_path)
    slow = _catalogue()

    # then both paths count and store the same rows
    assert fast_counts == slow_counts
    for kind in fast:
        assert fast[kind] == slow[kind], kind
    assert len(fast["posts"]) == fast_counts[2][1] > 0
    # on PostgreSQL every chunk of this clean, new catalogue took the set-based path
    assert all(taken) == (connection.vendor == "postgresql")


def test_snapshots_update_only_changed_days_and_keep_missing_values(tmp_path: Path) -> None:
    # given two accounts with stored snapshots
    (tmp_path / "p.csv").write_text(
        "platform,handle,followers,snapshot_date\ninstagram,ann,100,2026-01-01\ntiktok,bob,200,2026-01-01\n"
    )
    import_file(path=tmp_path / "p.csv", kind="profiles")
    (tmp_path / "s1.csv").write_text(
        "platform,handle,date,followers,following,posts_count\n"
        "instagram,ann,2026-01-08,110,5,7\n"
        "tiktok,bob,2026-01-08,210,6,8\n"
    )
    import_file(path=tmp_path / "s1.csv", kind="snapshots")
    DirtyProfile.objects.all().delete()

    # when a file repeats one day, changes another (empty following) and names an unknown account
    (tmp_path / "s2.csv").write_text(
        "platform,handle,date,followers,following,posts_count\n"
        "instagram,ann,2026-01-08,110,5,7\n"
        "tiktok,bob,2026-01-08,250,,9\n"
        "tiktok,nobody,2026-01-08,1,1,1\n"
    )
    summary = import_file(path=tmp_path / "s2.csv", kind="snapshots")

    # then
    assert (summary.total, summary.created, summary.updated, summary.unchanged, summary.rejected) == (
        3,
        0,
        1,
        1,
        1,
    )
    assert summary.errors[0]["row"] == 3
    assert summary.errors[0]["value"] == "nobody"
    bob = Profile.objects.get(handle="bob")
    assert (bob.followers, bob.following, bob.posts_count, bob.stats_as_of) == (
        250,
        6,
        9,
        dt.date(2026, 1, 8),
    )
    assert DirtyProfile.objects.filter(profile=bob).exists()
    assert not DirtyProfile.objects.filter(profile__handle="ann").exists()
    day = FollowerSnapshot.objects.get(profile=bob, captured_on=dt.date(2026, 1, 8))
    assert (day.followers, day.following, day.posts_count) == (250, 6, 9)


def test_new_posts_chunk_rejects_unknown_accounts_and_a_stored_post_takes_the_merge(
    tmp_path: Path, set_based_taken: list[bool]
) -> None:
    taken = set_based_taken
    # given one stored account with no posts
    (tmp_path / "p.csv").write_text("platform,handle,followers\ninstagram,ann,100\n")
    import_file(path=tmp_path / "p.csv", kind="profiles")
    DirtyProfile.objects.all().delete()
    header = "platform,handle,post_id,posted_at,kind,likes,comments,is_sponsored,caption,hashtags\n"

    # when new posts arrive, one of them for an account not in the catalogue
    (tmp_path / "a.csv").write_text(
        header + "instagram,ann,1,2026-01-02T10:00:00+02:00,,10,1,,Hi\tthere #Sun #sea,\n"
        "instagram,nobody,2,2026-01-02T10:00:00Z,video,5,0,true,x,\n"
        "instagram,ann,3,2026-01-03T10:00:00Z,reel,,2,yes,back\\slash,a;b\n"
    )
    summary = import_file(path=tmp_path / "a.csv", kind="posts")

    # then the known account's posts are created with new-post defaults, the other row is rejected
    assert (summary.total, summary.created, summary.updated, summary.unchanged, summary.rejected) == (
        3,
        2,
        0,
        0,
        1,
    )
    assert [(e["row"], e["value"]) for e in summary.errors] == [(2, "nobody")]
    first = Post.objects.get(external_id="1")
    assert first.posted_at == dt.datetime(2026, 1, 2, 8, 0, tzinfo=dt.UTC)
    assert (first.kind, first.likes, first.is_sponsored) == ("photo", 10, False)
    assert (first.caption, first.hashtags, first.mentions) == ("Hi\tthere #Sun #sea", ["sun", "sea"], [])
    third = Post.objects.get(external_id="3")
    assert (third.kind, third.likes, third.is_sponsored, third.caption, third.hashtags) == (
        "reel",
        None,
        True,
        "back\\slash",
        ["a", "b"],
    )
    assert DirtyProfile.objects.filter(profile__handle="ann").exists()
    assert taken[-1] == (connection.vendor == "postgresql")  # the set-based path wrote it

    # when a file repeats a stored post with new counts beside a new one
    (tmp_path / "b.csv").write_text(
        header + "instagram,ann,1,2026-01-02T08:00:00Z,,12,1,,Hi\tthere #Sun #sea,\n"
        "instagram,ann,4,2026-01-04T10:00:00Z,,1,0,,,\n"
    )
    summary = import_file(path=tmp_path / "b.csv", kind="posts")

    # then the chunk is merged row by row: one updated, one created, nothing duplicated
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (1, 1, 0, 0)
    assert Post.objects.get(external_id="1").likes == 12
    assert Post.objects.count() == 3
    assert taken[-1] is False


def test_profiles_stored_after_the_check_make_the_copy_fail_and_the_chunk_merges_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, set_based_taken: list[bool]
) -> None:
    taken = set_based_taken
    # given two stored accounts
    header = "platform,handle,name,followers,snapshot_date\n"
    bob = "tiktok,bob,Bob,200,2026-01-01\n"
    (tmp_path / "a.csv").write_text(header + "instagram,ann,Ann,100,2026-01-01\n" + bob)
    import_file(path=tmp_path / "a.csv", kind="profiles")

    # when a file of the same accounts passes the stored-account check (as if another import stored
    # them between the check and the COPY)
    monkeypatch.setattr(writers, "_any_profile_stored", lambda platforms, handles: False)
    (tmp_path / "b.csv").write_text(header + "instagram,ann,Ann,150,2026-01-01\n" + bob)
    summary = import_file(path=tmp_path / "b.csv", kind="profiles")

    # then the unique key refuses the COPY, nothing of it is kept, and the row-keyed path merges the chunk
    assert summary.ok, summary.message
    assert (summary.total, summary.created, summary.updated, summary.unchanged, summary.rejected) == (
        2,
        0,
        1,
        1,
        0,
    )
    assert summary.snapshots == {"created": 0, "updated": 1, "unchanged": 1}
    assert (Profile.objects.count(), Creator.objects.count(), FollowerSnapshot.objects.count()) == (2, 2, 2)
    assert Profile.objects.get(handle="ann").followers == 150
    assert FollowerSnapshot.objects.get(profile__handle="ann").followers == 150
    assert taken == [connection.vendor == "postgresql", False]


def test_snapshot_chunk_creates_new_days_beside_stored_days_of_its_accounts(tmp_path: Path) -> None:
    # given an account with stored days inside and outside the next file's range of days
    (tmp_path / "p.csv").write_text("platform,handle,followers,snapshot_date\ninstagram,ann,100,2026-01-01\n")
    import_file(path=tmp_path / "p.csv", kind="profiles")
    (tmp_path / "s1.csv").write_text(
        "platform,handle,date,followers\ninstagram,ann,2026-01-15,115\ninstagram,ann,2026-02-01,120\n"
    )
    import_file(path=tmp_path / "s1.csv", kind="snapshots")

    # when a file brings days around a stored one (and repeats it)
    (tmp_path / "s2.csv").write_text(
        "platform,handle,date,followers\n"
        "instagram,ann,2026-01-08,108\n"
        "instagram,ann,2026-01-15,115\n"
        "instagram,ann,2026-01-22,122\n"
    )
    summary = import_file(path=tmp_path / "s2.csv", kind="snapshots")

    # then only the file's new days are created, the repeated one is unchanged, the others are kept
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (2, 0, 1, 0)
    days = FollowerSnapshot.objects.filter(profile__handle="ann").order_by("captured_on")
    assert [(d.captured_on.isoformat(), d.followers) for d in days] == [
        ("2026-01-01", 100),
        ("2026-01-08", 108),
        ("2026-01-15", 115),
        ("2026-01-22", 122),
        ("2026-02-01", 120),
    ]
    assert Profile.objects.get(handle="ann").followers == 120  # the stored newest day stays the latest
