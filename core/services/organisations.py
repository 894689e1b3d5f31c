"""Members, roles, invitations and agency-client links of organisations.

Every service checks the actor with ``core.permissions.can`` and raises ``PermissionDenied``
(403) when the actor may see but not change; callers look objects up through scoped selectors
first, so an organisation the actor cannot see is a 404 before it gets here.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AgencyClient, Invitation, Membership, Organisation
from core.permissions import Action, can, forget_roles
from core.services.audit import audit_record

logger = logging.getLogger(__name__)
INVITATION_MAX_AGE = timedelta(days=getattr(settings, "INVITATION_MAX_AGE_DAYS", 7))
Role = Membership.Role


@dataclass(frozen=True)
class InvitationSent:
    """A created invitation and the one-time secret link that was emailed (never stored)."""

    invitation: Invitation
    token: str
    url: str


def token_hash(token: str) -> str:
    """SHA-256 hex of an invitation token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _require(user: User, action: Action, organisation: Organisation) -> None:
    if not can(user, action, organisation):
        raise PermissionDenied(f"You may not {action.value} {organisation.name}.")


def _require_role_grant(*, actor: User, organisation: Organisation, role: str) -> None:
    """Only owners hand out (or take away) the owner role."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."})
    if role == Role.OWNER and not can(actor, Action.AUDIT, organisation):
        raise PermissionDenied("Only an owner can make someone an owner.")


def _lock_organisation(organisation: Organisation) -> Organisation:
    # Serialises concurrent role changes so two owners cannot demote each other to zero owners.
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _owners_left_without(organisation: Organisation, membership: Membership) -> int:
    return (
        Membership.objects.filter(organisation=organisation, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def member_add(*, organisation: Organisation, user: User, role: str, added_by: User) -> Membership:
    """Give ``user`` a role in ``organisation`` (managers and owners; only owners grant owner)."""
    _require(added_by, Action.MANAGE, organisation)
    _require_role_grant(actor=added_by, organisation=organisation, role=role)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise ApplicationError(f"{user.get_username()} is already a member of {organisation.name}.")
    membership = Membership(organisation=organisation, user=user, role=role)
    membership.full_clean()
    membership.save()
    audit_record(
        user=added_by,
        organisation=organisation,
        instance=membership,
        action="member_add",
        changes={"user": [None, user.get_username()], "role": [None, role]},
    )
    forget_roles(user)
    return membership


@transaction.atomic
def member_role_change(*, membership: Membership, role: str, changed_by: User) -> Membership:
    """Change a member's role, keeping at least one owner; only owners touch the owner role."""
    organisation = _lock_organisation(membership.organisation)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _require(changed_by, Action.MANAGE, organisation)
    _require_role_grant(actor=changed_by, organisation=organisation, role=role)
    old = membership.role
    if old == role:
        return membership
    if old == Role.OWNER:
        _require_role_grant(actor=changed_by, organisation=organisation, role=Role.OWNER)
        if _owners_left_without(organisation, membership) == 0:
            raise ApplicationError(
                f"{organisation.name} needs at least one owner: make someone else an owner first.",
                extra={"membership_id": membership.pk},
            )
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        user=changed_by,
        organisation=organisation,
        instance=membership,
        action="member_role_change",
        changes={"role": [old, role]},
    )
    forget_roles(membership.user)
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, removed_by: User) -> None:
    """Remove a member (or let members leave), keeping at least one owner."""
    organisation = _lock_organisation(membership.organisation)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.user_id != removed_by.pk:
        _require(removed_by, Action.MANAGE, organisation)
    if membership.role == Role.OWNER:
        if membership.user_id != removed_by.pk:
            _require_role_grant(actor=removed_by, organisation=organisation, role=Role.OWNER)
        if _owners_left_without(organisation, membership) == 0:
            raise ApplicationError(
                f"{organisation.name} needs at least one owner: make someone else an owner first.",
                extra={"membership_id": membership.pk},
            )
    audit_record(
        user=removed_by,
        organisation=organisation,
        instance=membership,
        action="member_remove",
        changes={"user": [membership.user.get_username(), None], "role": [membership.role, None]},
    )
    membership.delete()
    forget_roles(membership.user)


def _send_invitation_email(*, invitation: Invitation, url: str) -> None:
    context = {"invitation": invitation, "url": url, "days": INVITATION_MAX_AGE.days}
    try:
        send_mail(
            subject=f"You are invited to join {invitation.organisation.name} on Microlens",
            message=render_to_string("core/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except (OSError, smtplib.SMTPException):
        # Runs after commit: the invitation exists and stays pending, so re-inviting resends the
        # link; a mail server outage must not turn the inviter's request into a 500.
        logger.exception("Could not email invitation %s to %s", invitation.pk, invitation.email)


@transaction.atomic
def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    invited_by: User,
    accept_url_for: Callable[[str], str],
) -> InvitationSent:
    """Invite an email address; the link ``accept_url_for(token)`` is mailed after commit.

    Re-inviting an address with a pending invitation replaces it (the old link stops working).
    """
    _require(invited_by, Action.MANAGE, organisation)
    _require_role_grant(actor=invited_by, organisation=organisation, role=role)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": f"{email!r} is not a valid email address."}) from exc
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ApplicationError(f"{email} is already a member of {organisation.name}.")
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        expires_at=now + INVITATION_MAX_AGE,
    )
    invitation.full_clean()
    invitation.save()
    url = accept_url_for(token)
    audit_record(
        user=invited_by,
        organisation=organisation,
        instance=invitation,
        action="invitation_create",
        changes={"email": [None, email], "role": [None, role]},
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation=invitation, url=url))
    return InvitationSent(invitation=invitation, token=token, url=url)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, revoked_by: User) -> Invitation:
    """Cancel a pending invitation so its link no longer works."""
    _require(revoked_by, Action.MANAGE, invitation.organisation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ApplicationError(f"The invitation of {invitation.email} was already accepted.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            user=revoked_by,
            organisation=invitation.organisation,
            instance=invitation,
            action="invitation_revoke",
        )
    return invitation


def invitation_check(*, invitation: Invitation) -> None:
    """Raise ApplicationError when an invitation can no longer be accepted (and say why)."""
    if invitation.revoked_at is not None:
        raise ApplicationError("This invitation was cancelled. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise ApplicationError("This invitation was already used.")
    if invitation.expires_at <= timezone.now():
        raise ApplicationError("This invitation has expired. Ask for a new one.")


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """Turn a valid invitation into a membership for ``user`` (whose email must match the invitation)."""
    try:
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .get(token_hash=token_hash(token))
        )
    except Invitation.DoesNotExist:
        raise ApplicationError("This invitation link is not valid.") from None
    invitation_check(invitation=invitation)
    if (user.email or "").lower() != invitation.email.lower():
        raise ApplicationError(
            f"This invitation was sent to {invitation.email}, but you are logged in as "
            f"{user.get_username()} ({user.email or 'no email'}). Log in with that address's account."
        )
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        user=user,
        organisation=invitation.organisation,
        instance=membership,
        action="invitation_accept",
        changes={"role": [None, membership.role]} if created else {},
    )
    forget_roles(user)
    return membership


@transaction.atomic
def user_register_from_invitation(*, token: str, username: str, password: str) -> User:
    """Create an account for the invited address and accept the invitation in one step."""
    try:
        invitation = Invitation.objects.get(token_hash=token_hash(token))
    except Invitation.DoesNotExist:
        raise ApplicationError("This invitation link is not valid.") from None
    invitation_check(invitation=invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ApplicationError(f"An account for {invitation.email} already exists: log in to accept.")
    user = User(username=username, email=invitation.email)
    user.full_clean(exclude=["password"])
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    invitation_accept(token=token, user=user)
    return user


@transaction.atomic
def agency_client_add(*, brand: Organisation, agency: Organisation, added_by: User) -> AgencyClient:
    """Let ``agency`` work on ``brand``'s campaigns; decided by the brand's managers and owners."""
    _require(added_by, Action.MANAGE, brand)
    if brand.kind != Organisation.Kind.BRAND:
        raise ApplicationError(f"{brand.name} is an agency; only brands take on agencies.")
    if agency.kind != Organisation.Kind.AGENCY:
        raise ApplicationError(f"{agency.name} is not an agency.")
    if AgencyClient.objects.filter(agency=agency, brand=brand).exists():
        raise ApplicationError(f"{agency.name} already serves {brand.name}.")
    link = AgencyClient(agency=agency, brand=brand)
    link.full_clean()
    link.save()
    audit_record(
        user=added_by,
        organisation=brand,
        instance=link,
        action="agency_client_add",
        changes={"agency": [None, agency.name]},
    )
    return link


@transaction.atomic
def agency_client_remove(*, link: AgencyClient, removed_by: User) -> None:
    """End an agency-client relation; either side's managers and owners may."""
    if not (can(removed_by, Action.MANAGE, link.brand) or can(removed_by, Action.MANAGE, link.agency)):
        raise PermissionDenied("Only managers and owners of the brand or the agency can end this.")
    audit_record(
        user=removed_by,
        organisation=link.brand,
        instance=link,
        action="agency_client_remove",
        changes={"agency": [link.agency.name, None]},
    )
    link.delete()
