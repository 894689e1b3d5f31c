"""The access matrix for every endpoint of issue 3, HTML and API, read and write, per persona.

Objects belong to the brand "acme" (served by the agency "bright"). A brand's settings are its
own members' business: agency staff work on its campaigns but get a 404 here, like strangers.
"""

from __future__ import annotations

import pytest

from core.models import AgencyClient, AuditEntry, Membership
from core.services import organisations as svc
from tests.access_matrix import LOGIN, assert_access
from tests.factories.core import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(
    brand_owner, brand_member, brand_viewer, agency_staff, outsider_agency_staff, other_brand_member
):
    """Create all personas up front, so each cell sees the same world."""
    return brand_owner


@pytest.fixture
def bystander(brand):
    """A brand member nobody in the matrix is: the target of role changes and removals."""
    user = UserFactory(username="bystander")
    return MembershipFactory(user=user, organisation=brand, role="member")


@pytest.fixture
def invitation(brand, brand_owner):
    return svc.invitation_create(
        organisation=brand,
        email="invitee@example.com",
        role="member",
        invited_by=brand_owner,
        accept_url_for=lambda t: t,
    )


# HTML: reads


def test_settings_home(request, everyone) -> None:
    assert_access(
        request,
        "GET",
        "/settings/organisation/",
        brand_owner=302,
        brand_member=302,
        brand_viewer=302,
        agency_staff=302,
        outsider_agency_staff=302,
        other_brand_member=302,
        anonymous=LOGIN,
    )


def test_brand_settings_page(request, everyone) -> None:
    responses = assert_access(
        request,
        "GET",
        "/settings/organisation/acme/",
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )
    assert b"Acme Cosmetics" in responses["brand_viewer"].content
    assert b"Acme" not in responses["other_brand_member"].content


def test_agency_settings_page(request, everyone) -> None:
    assert_access(
        request,
        "GET",
        "/settings/organisation/bright/",
        brand_owner=404,
        brand_member=404,
        brand_viewer=404,
        agency_staff=200,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_audit_log_page(request, everyone) -> None:
    assert_access(
        request,
        "GET",
        "/settings/organisation/acme/audit/",
        brand_owner=200,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_password_change_page(request, everyone) -> None:
    assert_access(
        request,
        "GET",
        "/accounts/password/change/",
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=200,
        outsider_agency_staff=200,
        other_brand_member=200,
        anonymous=LOGIN,
    )


def test_password_reset_and_login_pages_are_public(request, everyone) -> None:
    for url in (
        "/accounts/password/reset/",
        "/accounts/password/reset/sent/",
        "/accounts/password/reset/done/",
    ):
        assert_access(
            request,
            "GET",
            url,
            brand_owner=200,
            brand_member=200,
            brand_viewer=200,
            agency_staff=200,
            outsider_agency_staff=200,
            other_brand_member=200,
            anonymous=200,
        )
    assert_access(
        request,
        "GET",
        "/accounts/login/",
        brand_owner=302,  # already logged in: on to the app
        brand_member=302,
        brand_viewer=302,
        agency_staff=302,
        outsider_agency_staff=302,
        other_brand_member=302,
        anonymous=200,
    )


def test_invitation_page(request, everyone, invitation) -> None:
    assert_access(
        request,
        "GET",
        f"/invitations/{invitation.token}/",
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=200,
        outsider_agency_staff=200,
        other_brand_member=200,
        anonymous=200,
    )


# HTML: writes (each cell is rolled back, so every persona meets the same state)


def test_invite(request, everyone) -> None:
    assert_access(
        request,
        "POST",
        "/settings/organisation/acme/invitations/",
        data={"email": "new@example.com", "role": "member"},
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_invitation_revoke(request, everyone, invitation) -> None:
    assert_access(
        request,
        "POST",
        f"/settings/organisation/acme/invitations/{invitation.invitation.pk}/revoke/",
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_invitation_revoke_through_another_organisations_url_is_a_404(request, everyone, invitation) -> None:
    assert_access(
        request,
        "POST",
        f"/settings/organisation/other-brand/invitations/{invitation.invitation.pk}/revoke/",
        brand_owner=404,
        brand_member=404,
        brand_viewer=404,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,  # owner of other-brand, but the invitation is acme's
        anonymous=LOGIN,
    )


def test_member_role_change(request, everyone, bystander) -> None:
    assert_access(
        request,
        "POST",
        f"/settings/organisation/acme/members/{bystander.pk}/role/",
        data={"role": "viewer"},
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_member_remove(request, everyone, bystander) -> None:
    assert_access(
        request,
        "POST",
        f"/settings/organisation/acme/members/{bystander.pk}/remove/",
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_member_remove_of_a_brand_member_through_an_agency_url_is_a_404(request, everyone, bystander) -> None:
    assert_access(
        request,
        "POST",
        f"/settings/organisation/bright/members/{bystander.pk}/remove/",
        brand_owner=404,
        brand_member=404,
        brand_viewer=404,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_agency_link_add(request, everyone) -> None:
    assert_access(
        request,
        "POST",
        "/settings/organisation/acme/agencies/",
        data={"agency": "other-agency"},
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_agency_link_remove_from_the_brand_side(request, everyone, brand, agency) -> None:
    link = AgencyClient.objects.get(brand=brand, agency=agency)
    assert_access(
        request,
        "POST",
        f"/settings/organisation/acme/agencies/{link.pk}/remove/",
        brand_owner=302,
        brand_member=403,
        brand_viewer=403,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_agency_link_remove_from_the_agency_side(request, everyone, brand, agency) -> None:
    link = AgencyClient.objects.get(brand=brand, agency=agency)
    assert_access(
        request,
        "POST",
        f"/settings/organisation/bright/agencies/{link.pk}/remove/",
        brand_owner=404,
        brand_member=404,
        brand_viewer=404,
        agency_staff=403,  # a member, not a manager, of the agency
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_switch_organisation(request, everyone, brand) -> None:
    assert_access(
        request,
        "POST",
        "/settings/organisation/switch/",
        data={"organisation": brand.pk},
        brand_owner=302,
        brand_member=302,
        brand_viewer=302,
        agency_staff=404,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=LOGIN,
    )


def test_invitation_accept(request, everyone, invitation) -> None:
    invitee = UserFactory(username="invitee")  # invitee@example.com
    MembershipFactory(user=invitee, organisation=OrganisationFactory(kind="brand"), role="owner")
    responses = assert_access(
        request,
        "POST",
        f"/invitations/{invitation.token}/",
        brand_owner=400,  # the invitation names another address
        brand_member=400,
        brand_viewer=400,
        agency_staff=400,
        outsider_agency_staff=400,
        other_brand_member=400,
        anonymous=400,  # empty registration form
    )
    assert b"was sent to invitee@example.com" in responses["agency_staff"].content
    assert not Membership.objects.filter(
        user__username__in=["agency_staff", "other_brand"], organisation__slug="acme"
    ).exists()


def test_logout(request, everyone) -> None:
    assert_access(
        request,
        "POST",
        "/accounts/logout/",
        brand_owner=302,
        brand_member=302,
        brand_viewer=302,
        agency_staff=302,
        outsider_agency_staff=302,
        other_brand_member=302,
        anonymous=302,
    )


# API


def test_api_me(request, everyone) -> None:
    responses = assert_access(
        request,
        "GET",
        "/api/me/",
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=200,
        outsider_agency_staff=200,
        other_brand_member=200,
        anonymous=403,
    )
    slugs = {
        p: {o["slug"] for o in r.json()["organisations"]} for p, r in responses.items() if p != "anonymous"
    }
    assert slugs == {
        "brand_owner": {"acme"},
        "brand_member": {"acme"},
        "brand_viewer": {"acme"},
        "agency_staff": {"acme", "bright"},
        "outsider_agency_staff": {"other-agency"},
        "other_brand_member": {"other-brand"},
    }


def test_api_token_create(request, everyone) -> None:
    # The credentials decide, not the session: every caller gets brand_member's token or a 400.
    assert_access(
        request,
        "POST",
        "/api/auth/token/",
        data={"username": "brand_member", "password": PASSWORD},
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=200,
        outsider_agency_staff=200,
        other_brand_member=200,
        anonymous=200,
    )
    assert_access(
        request,
        "POST",
        "/api/auth/token/",
        data={"username": "brand_member", "password": "wrong"},
        brand_owner=400,
        brand_member=400,
        brand_viewer=400,
        agency_staff=400,
        outsider_agency_staff=400,
        other_brand_member=400,
        anonymous=400,
    )


def test_api_token_revoke(request, everyone) -> None:
    assert_access(
        request,
        "DELETE",
        "/api/auth/token/",
        brand_owner=204,
        brand_member=204,
        brand_viewer=204,
        agency_staff=204,
        outsider_agency_staff=204,
        other_brand_member=204,
        anonymous=403,
    )


def test_api_audit_log(request, everyone, brand) -> None:
    AuditEntry.objects.create(
        organisation=brand, action="update", model_label="x.y", object_id="1", object_repr="o"
    )
    responses = assert_access(
        request,
        "GET",
        f"/api/audit/?organisation={brand.pk}",
        brand_owner=200,
        brand_member=200,
        brand_viewer=200,
        agency_staff=200,
        outsider_agency_staff=200,
        other_brand_member=200,
        anonymous=403,
    )
    counts = {p: r.json()["count"] for p, r in responses.items() if p != "anonymous"}
    # A list is scoped, never refused: only the brand's owners see its entries.
    assert counts == {
        "brand_owner": 1,
        "brand_member": 0,
        "brand_viewer": 0,
        "agency_staff": 0,
        "outsider_agency_staff": 0,
        "other_brand_member": 0,
    }


def test_invalid_writes_by_non_managers_are_still_refused(request, everyone, bystander) -> None:
    for url, data in [
        ("/settings/organisation/acme/invitations/", {"email": "bad"}),
        (f"/settings/organisation/acme/members/{bystander.pk}/role/", {"role": "king"}),
        ("/settings/organisation/acme/agencies/", {"agency": ""}),
    ]:
        assert_access(
            request,
            "POST",
            url,
            data=data,
            brand_owner={302, 400},  # the form's errors, shown to a manager
            brand_member=403,
            brand_viewer=403,
            agency_staff=404,
            outsider_agency_staff=404,
            other_brand_member=404,
            anonymous=LOGIN,
        )
