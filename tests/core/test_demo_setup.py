"""demo_setup: local mode only, loads a scored catalogue once, one login per role, idempotent."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from core.management.commands.demo_setup import DEMO_PASSWORD, LOGINS
from core.models import AgencyClient, Membership, Organisation
from core.permissions import Action, can
from discovery.models import FollowerSnapshot, Niche, Post, Profile
from scoring.models import DirtyProfile, ProfileScore

pytestmark = pytest.mark.django_db


def _run(tmp_path: Path, profiles: int = 40) -> str:
    out = io.StringIO()
    call_command(
        "demo_setup", profiles=profiles, dir=str(tmp_path / "demo"), stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def test_refuses_outside_local_mode_and_creates_nothing(settings, tmp_path: Path) -> None:
    # given
    settings.DEMO_LOGINS_ENABLED = False

    # when / then
    with pytest.raises(CommandError, match="only runs in local mode"):
        _run(tmp_path)
    assert not User.objects.exists()
    assert not Profile.objects.exists()


def test_first_run_loads_and_scores_a_catalogue_and_creates_one_login_per_role(
    settings, tmp_path: Path
) -> None:
    # given
    settings.DEMO_LOGINS_ENABLED = True

    # when
    output = _run(tmp_path)

    # then: the generated catalogue went through the import and scoring commands
    assert Profile.objects.count() == 40
    assert FollowerSnapshot.objects.count() >= 40 * 13
    assert Post.objects.count() >= 40 * 12
    assert ProfileScore.objects.count() == 40
    assert not DirtyProfile.objects.exists()
    # profiles are filed under the curated taxonomy, not under new uncurated niches
    assert Profile.objects.filter(niches__isnull=False).distinct().count() == 40
    assert not Niche.objects.filter(curated=False).exists()
    # organisations and roles
    acme = Organisation.objects.get(name="Acme Cosmetics", kind="brand")
    bright = Organisation.objects.get(name="Bright Agency", kind="agency")
    Organisation.objects.get(name="Northwind Outdoor", kind="brand")
    assert AgencyClient.objects.filter(agency=bright, brand=acme).exists()
    roles = {
        m.user.username: (m.organisation.slug, m.role) for m in Membership.objects.select_related("user")
    }
    assert roles == {
        "acme-owner": ("acme-cosmetics", "owner"),
        "acme-member": ("acme-cosmetics", "member"),
        "acme-viewer": ("acme-cosmetics", "viewer"),
        "bright-staff": ("bright-agency", "member"),
        "northwind-member": ("northwind-outdoor", "member"),
    }
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    # every printed login works with the printed password
    request = RequestFactory().post("/accounts/login/")
    for login in LOGINS:
        assert login.username in output
        assert authenticate(request, username=login.username, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in output


def test_agency_staff_reaches_the_client_brand_and_not_the_other_brand(settings, tmp_path: Path) -> None:
    # given
    settings.DEMO_LOGINS_ENABLED = True
    _run(tmp_path)
    staff = User.objects.get(username="bright-staff")

    # then
    assert can(staff, Action.VIEW, Organisation.objects.get(slug="acme-cosmetics"))
    assert not can(staff, Action.VIEW, Organisation.objects.get(slug="northwind-outdoor"))


def test_second_run_changes_nothing_and_prints_the_logins_again(settings, tmp_path: Path) -> None:
    # given
    settings.DEMO_LOGINS_ENABLED = True
    _run(tmp_path)
    before = (
        Profile.objects.count(),
        Post.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        list(User.objects.order_by("pk").values_list("password", flat=True)),
        list(Profile.objects.order_by("pk").values_list("updated_at", flat=True)),
    )

    # when
    output = _run(tmp_path, profiles=80)

    # then
    after = (
        Profile.objects.count(),
        Post.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        list(User.objects.order_by("pk").values_list("password", flat=True)),
        list(Profile.objects.order_by("pk").values_list("updated_at", flat=True)),
    )
    assert after == before
    assert "nothing to do" in output
    assert all(login.username in output for login in LOGINS)
