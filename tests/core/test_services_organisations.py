"""Services for members, roles, invitations and agency links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AgencyClient, AuditEntry, Invitation, Membership
from core.permissions import Action, can
from core.services import organisations as svc
from tests.factories.core import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(token: str) -> str:
    return f"http://testserver/invitations/{token}/"


def _membership(user, org) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


# Members and roles


def test_owner_adds_a_member_and_the_audit_log_records_it(brand, brand_owner) -> None:
    newcomer = UserFactory(username="newcomer")

    membership = svc.member_add(organisation=brand, user=newcomer, role="member", added_by=brand_owner)

    assert membership.role == "member"
    assert can(newcomer, Action.EDIT, brand)
    entry = AuditEntry.objects.get(action="member_add")
    assert entry.user == brand_owner
    assert entry.changes == {"user": [None, "newcomer"], "role": [None, "member"]}


def test_adding_someone_twice_is_refused(brand, brand_owner, brand_member) -> None:
    with pytest.raises(ApplicationError, match="already a member"):
        svc.member_add(organisation=brand, user=brand_member, role="viewer", added_by=brand_owner)


@pytest.mark.parametrize("persona", ["brand_member", "brand_viewer", "agency_staff", "other_brand_member"])
def test_only_managers_and_owners_of_the_organisation_add_members(request, brand, persona) -> None:
    actor = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        svc.member_add(organisation=brand, user=UserFactory(), role="member", added_by=actor)


def test_a_manager_cannot_grant_the_owner_role(brand, brand_member) -> None:
    manager = UserFactory(username="mgr")
    MembershipFactory(user=manager, organisation=brand, role="manager")

    with pytest.raises(PermissionDenied, match="Only an owner"):
        svc.member_role_change(membership=_membership(brand_member, brand), role="owner", changed_by=manager)

    svc.member_role_change(membership=_membership(brand_member, brand), role="manager", changed_by=manager)
    assert _membership(brand_member, brand).role == "manager"


def test_a_manager_cannot_demote_an_owner(brand, brand_owner) -> None:
    manager = UserFactory(username="mgr")
    MembershipFactory(user=manager, organisation=brand, role="manager")

    with pytest.raises(PermissionDenied):
        svc.member_role_change(membership=_membership(brand_owner, brand), role="member", changed_by=manager)

    assert _membership(brand_owner, brand).role == "owner"


def test_an_unknown_role_is_a_validation_error(brand, brand_owner, brand_member) -> None:
    with pytest.raises(ValidationError, match="Unknown role"):
        svc.member_role_change(
            membership=_membership(brand_member, brand), role="king", changed_by=brand_owner
        )


def test_the_last_owner_cannot_step_down(brand, brand_owner) -> None:
    with pytest.raises(ApplicationError, match="at least one owner"):
        svc.member_role_change(
            membership=_membership(brand_owner, brand), role="member", changed_by=brand_owner
        )

    assert _membership(brand_owner, brand).role == "owner"


def test_the_last_owner_cannot_be_removed_or_leave(brand, brand_owner) -> None:
    with pytest.raises(ApplicationError, match="at least one owner"):
        svc.member_remove(membership=_membership(brand_owner, brand), removed_by=brand_owner)

    assert Membership.objects.filter(organisation=brand, role="owner").count() == 1


def test_an_owner_steps_down_once_another_owner_exists(brand, brand_owner, brand_member) -> None:
    svc.member_role_change(membership=_membership(brand_member, brand), role="owner", changed_by=brand_owner)

    svc.member_role_change(membership=_membership(brand_owner, brand), role="viewer", changed_by=brand_owner)

    assert _membership(brand_owner, brand).role == "viewer"
    assert AuditEntry.objects.filter(action="member_role_change").count() == 2


def test_role_change_records_old_and_new_role(brand, brand_owner, brand_member) -> None:
    svc.member_role_change(membership=_membership(brand_member, brand), role="viewer", changed_by=brand_owner)

    entry = AuditEntry.objects.get(action="member_role_change")
    assert entry.changes == {"role": ["member", "viewer"]}
    assert entry.model_label == "core.membership"


def test_owner_removes_a_member_who_loses_access(brand, brand_owner, brand_member) -> None:
    svc.member_remove(membership=_membership(brand_member, brand), removed_by=brand_owner)

    assert not Membership.objects.filter(user=brand_member).exists()
    fresh = User.objects.get(pk=brand_member.pk)
    assert not can(fresh, Action.VIEW, brand)


def test_a_member_may_leave_but_not_remove_others(brand, brand_member, brand_viewer) -> None:
    with pytest.raises(PermissionDenied):
        svc.member_remove(membership=_membership(brand_viewer, brand), removed_by=brand_member)

    svc.member_remove(membership=_membership(brand_member, brand), removed_by=brand_member)

    assert not Membership.objects.filter(user=brand_member, organisation=brand).exists()


# Invitations


def test_invitation_emails_a_link_and_stores_only_the_token_hash(
    brand, brand_owner, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = svc.invitation_create(
            organisation=brand,
            email="New@Example.com",
            role="viewer",
            invited_by=brand_owner,
            accept_url_for=_url,
        )

    invitation = Invitation.objects.get()
    assert invitation.token_hash == svc.token_hash(sent.token)
    assert sent.token not in invitation.token_hash
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["New@Example.com"]
    assert sent.url in mail.outbox[0].body
    assert "Acme Cosmetics" in mail.outbox[0].subject


def test_no_email_is_sent_when_the_invitation_transaction_rolls_back(brand, brand_owner) -> None:
    svc.invitation_create(
        organisation=brand, email="x@example.com", role="member", invited_by=brand_owner, accept_url_for=_url
    )

    # The test transaction never commits, so the on_commit email never leaves.
    assert mail.outbox == []


def test_invitation_rejects_a_bad_email_with_a_clear_message(brand, brand_owner) -> None:
    with pytest.raises(ValidationError, match="not a valid email"):
        svc.invitation_create(
            organisation=brand,
            email="not-an-email",
            role="member",
            invited_by=brand_owner,
            accept_url_for=_url,
        )


def test_inviting_an_existing_member_is_refused(brand, brand_owner, brand_member) -> None:
    with pytest.raises(ApplicationError, match="already a member"):
        svc.invitation_create(
            organisation=brand,
            email=brand_member.email.upper(),
            role="member",
            invited_by=brand_owner,
            accept_url_for=_url,
        )


def test_reinviting_replaces_the_pending_invitation(brand, brand_owner) -> None:
    first = svc.invitation_create(
        organisation=brand, email="a@example.com", role="member", invited_by=brand_owner, accept_url_for=_url
    )
    second = svc.invitation_create(
        organisation=brand, email="A@example.com", role="viewer", invited_by=brand_owner, accept_url_for=_url
    )

    first.invitation.refresh_from_db()
    assert first.invitation.revoked_at is not None
    with pytest.raises(ApplicationError, match="cancelled"):
        svc.invitation_accept(token=first.token, user=UserFactory(email="a@example.com"))
    assert second.invitation.revoked_at is None


def test_viewers_and_agency_staff_cannot_invite(brand, brand_viewer, agency_staff) -> None:
    for actor in (brand_viewer, agency_staff):
        with pytest.raises(PermissionDenied):
            svc.invitation_create(
                organisation=brand,
                email="z@example.com",
                role="member",
                invited_by=actor,
                accept_url_for=_url,
            )


def test_accepting_creates_the_membership_with_the_invited_role(brand, brand_owner) -> None:
    sent = svc.invitation_create(
        organisation=brand,
        email="joiner@example.com",
        role="viewer",
        invited_by=brand_owner,
        accept_url_for=_url,
    )
    joiner = UserFactory(username="joiner", email="Joiner@example.com")

    membership = svc.invitation_accept(token=sent.token, user=joiner)

    assert membership.organisation == brand
    assert membership.role == "viewer"
    sent.invitation.refresh_from_db()
    assert sent.invitation.accepted_by == joiner
    with pytest.raises(ApplicationError, match="already used"):
        svc.invitation_accept(token=sent.token, user=joiner)


def test_an_expired_invitation_cannot_be_accepted(brand, brand_owner) -> None:
    sent = svc.invitation_create(
        organisation=brand,
        email="late@example.com",
        role="member",
        invited_by=brand_owner,
        accept_url_for=_url,
    )
    Invitation.objects.filter(pk=sent.invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ApplicationError, match="expired"):
        svc.invitation_accept(token=sent.token, user=UserFactory(email="late@example.com"))

    assert not Membership.objects.filter(user__email="late@example.com").exists()


def test_an_invitation_is_only_for_the_invited_address(brand, brand_owner, other_brand_member) -> None:
    sent = svc.invitation_create(
        organisation=brand,
        email="right@example.com",
        role="owner",
        invited_by=brand_owner,
        accept_url_for=_url,
    )

    with pytest.raises(ApplicationError, match=r"was sent to right@example\.com"):
        svc.invitation_accept(token=sent.token, user=other_brand_member)

    assert not can(other_brand_member, Action.VIEW, brand)


def test_a_made_up_token_is_refused(brand_member) -> None:
    with pytest.raises(ApplicationError, match="not valid"):
        svc.invitation_accept(token="made-up", user=brand_member)


def test_a_revoked_invitation_cannot_be_accepted(brand, brand_owner) -> None:
    sent = svc.invitation_create(
        organisation=brand, email="r@example.com", role="member", invited_by=brand_owner, accept_url_for=_url
    )

    svc.invitation_revoke(invitation=sent.invitation, revoked_by=brand_owner)

    with pytest.raises(ApplicationError, match="cancelled"):
        svc.invitation_accept(token=sent.token, user=UserFactory(email="r@example.com"))


def test_registering_from_an_invitation_creates_the_user_and_membership(brand, brand_owner) -> None:
    sent = svc.invitation_create(
        organisation=brand,
        email="fresh@example.com",
        role="member",
        invited_by=brand_owner,
        accept_url_for=_url,
    )

    user = svc.user_register_from_invitation(
        token=sent.token, username="fresh", password="a-long-passphrase-9"
    )

    assert user.email == "fresh@example.com"
    assert user.check_password("a-long-passphrase-9")
    assert _membership(user, brand).role == "member"


def test_registering_with_a_weak_password_changes_nothing(brand, brand_owner) -> None:
    sent = svc.invitation_create(
        organisation=brand,
        email="weak@example.com",
        role="member",
        invited_by=brand_owner,
        accept_url_for=_url,
    )

    with pytest.raises(ValidationError):
        svc.user_register_from_invitation(token=sent.token, username="weak", password="123")

    assert not User.objects.filter(username="weak").exists()


# Agency links


def test_a_brand_owner_lets_an_agency_in_and_its_staff_gain_access(brand, brand_owner) -> None:
    agency = OrganisationFactory(kind="agency")
    staff = UserFactory()
    MembershipFactory(user=staff, organisation=agency, role="member")

    svc.agency_client_add(brand=brand, agency=agency, added_by=brand_owner)

    assert can(staff, Action.EDIT, brand)
    assert AuditEntry.objects.filter(organisation=brand, action="agency_client_add").exists()


def test_an_agency_cannot_add_itself_to_a_brand(brand, agency) -> None:
    agency_owner = UserFactory()
    MembershipFactory(user=agency_owner, organisation=agency, role="owner")
    stranger = OrganisationFactory(kind="brand")

    with pytest.raises(PermissionDenied):
        svc.agency_client_add(brand=stranger, agency=agency, added_by=agency_owner)

    assert not AgencyClient.objects.filter(brand=stranger).exists()


def test_only_agencies_serve_brands(brand, brand_owner) -> None:
    other_brand = OrganisationFactory(kind="brand")

    with pytest.raises(ApplicationError, match="not an agency"):
        svc.agency_client_add(brand=brand, agency=other_brand, added_by=brand_owner)


def test_adding_the_same_agency_twice_is_refused(brand, brand_owner, agency) -> None:
    with pytest.raises(ApplicationError, match="already serves"):
        svc.agency_client_add(brand=brand, agency=agency, added_by=brand_owner)


def test_either_sides_manager_may_end_an_agency_link(brand, agency, agency_staff) -> None:
    agency_manager = UserFactory()
    MembershipFactory(user=agency_manager, organisation=agency, role="manager")
    link = AgencyClient.objects.get(agency=agency, brand=brand)

    with pytest.raises(PermissionDenied):
        svc.agency_client_remove(link=link, removed_by=agency_staff)
    svc.agency_client_remove(link=link, removed_by=agency_manager)

    assert not AgencyClient.objects.filter(pk=link.pk).exists()


def test_a_mail_server_outage_leaves_the_invitation_pending_and_logs_it(
    brand, brand_owner, settings, caplog, django_capture_on_commit_callbacks
) -> None:
    # A real SMTP connection to a closed loopback port: refused, like a mail server that is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2

    with django_capture_on_commit_callbacks(execute=True):
        sent = svc.invitation_create(
            organisation=brand,
            email="down@example.com",
            role="member",
            invited_by=brand_owner,
            accept_url_for=_url,
        )

    assert Invitation.objects.filter(pk=sent.invitation.pk, revoked_at__isnull=True).exists()
    assert "Could not email invitation" in caplog.text
