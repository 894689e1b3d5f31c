"""The catalogue admin: usable lists (no query per row), search, and rescoring after edits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from discovery.models import FollowerSnapshot, Profile
from tests.factories.core import MembershipFactory
from tests.factories.discovery import FollowerSnapshotFactory, NicheFactory, PostFactory, ProfileFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:discovery_profile_changelist",
    "admin:discovery_followersnapshot_changelist",
    "admin:discovery_post_changelist",
    "admin:discovery_creator_changelist",
    "admin:discovery_niche_changelist",
    "admin:core_membership_changelist",
    "admin:core_organisation_changelist",
]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _catalogue(n: int) -> None:
    niche = NicheFactory()
    for _ in range(n):
        profile = ProfileFactory()
        profile.niches.add(niche)
        FollowerSnapshotFactory(profile=profile)
        PostFactory(profile=profile)
        MembershipFactory()


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, name: str) -> None:
    # given
    url = reverse(name)
    _catalogue(2)
    few = _queries(admin_client, url)

    # when
    _catalogue(12)
    many = _queries(admin_client, url)

    # then
    assert many == few


def test_profile_search_finds_by_handle_and_name(admin_client) -> None:
    # given
    ProfileFactory(handle="glowwithjen", name="Jen Park")
    ProfileFactory(handle="trailrunner", name="Sam Hill")
    url = reverse("admin:discovery_profile_changelist")

    # when
    by_handle = admin_client.get(url, {"q": "glowwith"})
    by_name = admin_client.get(url, {"q": "Sam Hill"})

    # then
    assert [p.handle for p in by_handle.context["cl"].result_list] == ["glowwithjen"]
    assert [p.handle for p in by_name.context["cl"].result_list] == ["trailrunner"]


def test_profile_filters_by_platform_and_dirty_flag(admin_client) -> None:
    # given
    ProfileFactory(handle="a1", platform="tiktok", score_dirty=False)
    ProfileFactory(handle="a2", platform="tiktok", score_dirty=True)
    ProfileFactory(handle="a3", platform="instagram", score_dirty=False)

    # when
    response = admin_client.get(
        reverse("admin:discovery_profile_changelist"), {"platform": "tiktok", "score_dirty__exact": "0"}
    )

    # then
    assert [p.handle for p in response.context["cl"].result_list] == ["a1"]


def test_editing_a_snapshot_in_admin_marks_the_profile_for_rescoring(admin_client) -> None:
    # given
    profile = ProfileFactory(score_dirty=False)
    snapshot = FollowerSnapshotFactory(profile=profile, captured_on=dt.date(2026, 5, 1), followers=1000)
    url = reverse("admin:discovery_followersnapshot_change", args=[snapshot.pk])

    # when
    response = admin_client.post(
        url,
        {
            "profile": profile.pk,
            "captured_on": "2026-05-01",
            "followers": "1500",
            "following": "",
            "posts_count": "",
        },
    )

    # then
    assert response.status_code == 302
    assert FollowerSnapshot.objects.get(pk=snapshot.pk).followers == 1500
    assert Profile.objects.get(pk=profile.pk).score_dirty is True


def test_deleting_posts_in_bulk_marks_their_profiles_for_rescoring(admin_client) -> None:
    # given
    profile, untouched = ProfileFactory(score_dirty=False), ProfileFactory(score_dirty=False)
    posts = [PostFactory(profile=profile), PostFactory(profile=profile)]
    PostFactory(profile=untouched)

    # when
    response = admin_client.post(
        reverse("admin:discovery_post_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in posts], "post": "yes"},
    )

    # then
    assert response.status_code == 302
    assert not profile.posts.exists()
    assert Profile.objects.get(pk=profile.pk).score_dirty is True
    assert Profile.objects.get(pk=untouched.pk).score_dirty is False


def test_mark_for_rescoring_action_flags_selected_profiles(admin_client) -> None:
    # given
    chosen, other = ProfileFactory(score_dirty=False), ProfileFactory(score_dirty=False)

    # when
    admin_client.post(
        reverse("admin:discovery_profile_changelist"),
        {"action": "mark_for_rescoring", "_selected_action": [chosen.pk]},
    )

    # then
    assert Profile.objects.get(pk=chosen.pk).score_dirty is True
    assert Profile.objects.get(pk=other.pk).score_dirty is False


def test_profile_page_links_to_its_snapshots_and_posts(admin_client) -> None:
    # given
    profile = ProfileFactory()
    FollowerSnapshotFactory(profile=profile)

    # when
    response = admin_client.get(reverse("admin:discovery_profile_change", args=[profile.pk]))

    # then
    body = response.content.decode()
    assert f"profile__id__exact={profile.pk}" in body
    assert "1 snapshots" in body
