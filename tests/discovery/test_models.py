"""Catalogue integrity lives in the database: unique keys and check constraints."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from discovery.models import FollowerSnapshot, Post, Profile
from tests.factories.discovery import (
    CreatorFactory,
    FollowerSnapshotFactory,
    PostFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db


def _violates(constraint: str, create) -> None:
    """Assert that ``create()`` is refused by the database with ``constraint`` named in the error."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        create()
    message = str(excinfo.value)
    # SQLite names check constraints but reports unique ones by their columns.
    assert constraint in message or (connection.vendor == "sqlite" and "UNIQUE constraint failed" in message)


def test_same_platform_and_handle_is_rejected_but_another_platform_is_fine() -> None:
    # given
    ProfileFactory(platform="instagram", handle="anna")

    # when / then
    _violates(
        "discovery_profile_platform_handle_uniq", lambda: ProfileFactory(platform="instagram", handle="anna")
    )
    assert ProfileFactory(platform="tiktok", handle="anna").pk
    assert Profile.objects.filter(handle="anna").count() == 2


def test_upper_case_handle_is_rejected_by_the_database() -> None:
    # when / then
    _violates("discovery_profile_handle_lower", lambda: ProfileFactory(handle="Anna"))
    assert not Profile.objects.filter(handle__iexact="anna").exists()


def test_empty_handle_and_unknown_platform_are_rejected() -> None:
    # when / then
    _violates("discovery_profile_handle_not_empty", lambda: ProfileFactory(handle=""))
    _violates("discovery_profile_platform_valid", lambda: ProfileFactory(platform="myspace"))


@pytest.mark.parametrize(
    ("field", "constraint"),
    [
        ("followers", "discovery_profile_followers_gte_0"),
        ("following", "discovery_profile_following_gte_0"),
        ("posts_count", "discovery_profile_posts_gte_0"),
    ],
)
def test_negative_profile_counts_are_rejected(field: str, constraint: str) -> None:
    # when / then
    _violates(constraint, lambda: ProfileFactory(**{field: -1}))


def test_audience_female_share_must_be_a_percentage() -> None:
    # when / then
    _violates("discovery_profile_female_pct_range", lambda: ProfileFactory(audience_female_pct=100.5))
    assert ProfileFactory(audience_female_pct=100).audience_female_pct == 100


def test_one_snapshot_per_profile_and_day() -> None:
    # given
    profile = ProfileFactory()
    day = dt.date(2026, 3, 1)
    FollowerSnapshotFactory(profile=profile, captured_on=day)

    # when / then
    _violates(
        "discovery_snapshot_profile_day_uniq",
        lambda: FollowerSnapshotFactory(profile=profile, captured_on=day, followers=1),
    )
    FollowerSnapshotFactory(profile=profile, captured_on=day + dt.timedelta(days=1))
    assert FollowerSnapshot.objects.filter(profile=profile).count() == 2


def test_negative_snapshot_followers_are_rejected() -> None:
    # when / then
    _violates("discovery_snapshot_followers_gte_0", lambda: FollowerSnapshotFactory(followers=-5))


def test_one_post_per_profile_and_external_id() -> None:
    # given
    profile, other = ProfileFactory(), ProfileFactory()
    PostFactory(profile=profile, external_id="abc")

    # when / then
    _violates("discovery_post_profile_extid_uniq", lambda: PostFactory(profile=profile, external_id="abc"))
    assert PostFactory(profile=other, external_id="abc").pk


@pytest.mark.parametrize("field", ["likes", "comments", "shares", "saves", "views"])
def test_negative_post_counts_are_rejected(field: str) -> None:
    # when / then
    _violates(f"discovery_post_{field}_gte_0", lambda: PostFactory(**{field: -1}))


def test_hidden_likes_are_stored_as_null_not_zero() -> None:
    # given
    profile = ProfileFactory()

    # when
    PostFactory(profile=profile, external_id="hidden", likes=None)
    PostFactory(profile=profile, external_id="zero", likes=0)

    # then
    assert Post.objects.get(external_id="hidden").likes is None
    assert Post.objects.get(external_id="zero").likes == 0
    assert Post.objects.filter(profile=profile, likes__isnull=True).count() == 1


def test_deleting_a_creator_removes_its_accounts_snapshots_and_posts() -> None:
    # given
    creator = CreatorFactory()
    profile = ProfileFactory(creator=creator)
    FollowerSnapshotFactory(profile=profile)
    PostFactory(profile=profile, posted_at=timezone.now())

    # when
    creator.delete()

    # then
    assert not Profile.objects.filter(pk=profile.pk).exists()
    assert not FollowerSnapshot.objects.filter(profile_id=profile.pk).exists()
    assert not Post.objects.filter(profile_id=profile.pk).exists()
