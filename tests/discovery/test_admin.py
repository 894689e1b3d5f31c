"""The catalogue admin: usable lists (no query per row), search, and rescoring after edits."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Invitation
from discovery.models import FollowerSample, FollowerSnapshot, ImportJob, SavedSearch
from scoring.models import DirtyProfile
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
    "admin:discovery_followersample_changelist",
    "admin:discovery_importjob_changelist",
    "admin:discovery_savedsearch_changelist",
    "admin:core_auditentry_changelist",
    "admin:core_invitation_changelist",
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
        FollowerSample.objects.create(profile=profile, username=f"fan{profile.pk}")
        member = MembershipFactory()
        user, org = member.user, member.organisation
        SavedSearch.objects.create(user=user, name="mine", query="q=beauty")
        ImportJob.objects.create(file="imports/x.csv", original_name="x.csv", created_by=user)
        AuditEntry.objects.create(
            organisation=org, user=user, action="create", model_label="x", object_id="1", object_repr="x"
        )
        Invitation.objects.create(
            organisation=org,
            email=f"{user.username}@example.com",
            token_hash=uuid.uuid4().hex * 2,
            invited_by=user,
            expires_at=timezone.now() + dt.timedelta(days=7),
        )


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
        reverse("admin:discovery_profile_changelist"), {"platform": "tiktok", "needs_rescoring": "0"}
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
    assert DirtyProfile.objects.filter(pk=profile.pk).exists()


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
    assert DirtyProfile.objects.filter(pk=profile.pk).exists()
    assert not DirtyProfile.objects.filter(pk=untouched.pk).exists()


def test_mark_for_rescoring_action_flags_selected_profiles(admin_client) -> None:
    # given
    chosen, other = ProfileFactory(score_dirty=False), ProfileFactory(score_dirty=False)

    # when
    admin_client.post(
        reverse("admin:discovery_profile_changelist"),
        {"action": "mark_for_rescoring", "_selected_action": [chosen.pk]},
    )

    # then
    assert DirtyProfile.objects.filter(pk=chosen.pk).exists()
    assert not DirtyProfile.objects.filter(pk=other.pk).exists()


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


def test_audit_log_is_read_only_in_admin(admin_client) -> None:
    # given
    member = MembershipFactory()
    entry = AuditEntry.objects.create(
        organisation=member.organisation, user=member.user, action="update", model_label="x", object_id="1"
    )

    # when
    page = admin_client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    post = admin_client.post(reverse("admin:core_auditentry_change", args=[entry.pk]), {"action": "delete"})
    delete = admin_client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})

    # then: viewable, not changeable, not deletable
    assert page.status_code == 200
    assert post.status_code == 403
    assert delete.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action == "update"
