"""Reads for organisations, members, invitations and the audit log, scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from core.models import AgencyClient, AuditEntry, Invitation, Membership, Organisation
from core.permissions import Action, can, direct_roles, organisation_roles, organisations_for


def member_organisations(*, user: User | AnonymousUser) -> QuerySet[Organisation]:
    """Organisations the user belongs to directly (what the organisation switcher offers)."""
    return Organisation.objects.filter(id__in=list(direct_roles(user))).order_by("name")


def organisation_get_for_member(*, user: User | AnonymousUser, slug: str) -> Organisation:
    """The organisation with ``slug`` if the user is a direct member (DoesNotExist otherwise: a 404)."""
    return member_organisations(user=user).get(slug=slug)


@dataclass
class OrganisationSettings:
    """What the organisation settings page shows to one viewer."""

    organisation: Organisation
    role: str
    can_manage: bool
    can_audit: bool
    members: list[Membership]
    owner_count: int
    pending_invitations: list[Invitation]
    agency_links: list[AgencyClient]
    own_membership_id: int | None = None
    audit_entries: list[AuditEntry] = field(default_factory=list)


def organisation_settings(
    *, user: User, organisation: Organisation, audit_limit: int = 20
) -> OrganisationSettings:
    """Members, pending invitations, agency links and (for owners) the latest audit entries."""
    members = list(
        Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")
    )
    can_manage = can(user, Action.MANAGE, organisation)
    can_audit = can(user, Action.AUDIT, organisation)
    pending = (
        list(
            Invitation.objects.filter(
                organisation=organisation,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
                expires_at__gt=timezone.now(),
            ).select_related("invited_by")
        )
        if can_manage
        else []
    )
    link_side = "agency" if organisation.kind == Organisation.Kind.AGENCY else "brand"
    links = list(
        AgencyClient.objects.filter(**{link_side: organisation})
        .select_related("agency", "brand")
        .order_by("agency__name", "brand__name")
    )
    audit = audit_entry_list(user=user, organisation=organisation)[:audit_limit] if can_audit else []
    return OrganisationSettings(
        organisation=organisation,
        role=direct_roles(user)[organisation.pk],
        can_manage=can_manage,
        can_audit=can_audit,
        members=members,
        owner_count=sum(m.role == Membership.Role.OWNER for m in members),
        pending_invitations=pending,
        agency_links=links,
        own_membership_id=next((m.pk for m in members if m.user_id == user.pk), None),
        audit_entries=list(audit),
    )


def audit_entry_list(*, user: User | AnonymousUser, organisation: Organisation | None = None) -> QuerySet:
    """Audit entries of organisations whose log the user may read (owners), newest first."""
    entries = AuditEntry.objects.filter(organisation__in=organisations_for(user, Action.AUDIT))
    if organisation is not None:
        entries = entries.filter(organisation=organisation)
    return entries.select_related("user", "organisation").order_by("-created_at", "-id")


def membership_get(*, organisation: Organisation, pk: int) -> Membership:
    """A membership of ``organisation`` (DoesNotExist for another organisation's: a 404)."""
    return Membership.objects.select_related("user", "organisation").get(organisation=organisation, pk=pk)


def invitation_get(*, organisation: Organisation, pk: int) -> Invitation:
    """An invitation of ``organisation`` (DoesNotExist for another organisation's: a 404)."""
    return Invitation.objects.select_related("organisation").get(organisation=organisation, pk=pk)


def invitation_get_by_token(*, token_hash: str) -> Invitation | None:
    """The invitation whose token hashes to ``token_hash``, if any."""
    return (
        Invitation.objects.select_related("organisation", "invited_by").filter(token_hash=token_hash).first()
    )


def agency_link_get(*, organisation: Organisation, pk: int) -> AgencyClient:
    """An agency-client link on either side of ``organisation``."""
    links = AgencyClient.objects.select_related("agency", "brand")
    if organisation.kind == Organisation.Kind.AGENCY:
        return links.get(agency=organisation, pk=pk)
    return links.get(brand=organisation, pk=pk)


@dataclass
class OrganisationAccess:
    """One organisation a user can reach, with the role and how (own membership or via an agency)."""

    organisation: Organisation
    role: str
    via: str  # "membership" or "agency"


def user_organisation_access(*, user: User) -> list[OrganisationAccess]:
    """Every organisation the user reaches, for /api/me/."""
    roles = organisation_roles(user)
    direct = direct_roles(user)
    orgs = Organisation.objects.filter(id__in=list(roles)).order_by("name")
    return [
        OrganisationAccess(
            organisation=org,
            role=roles[org.pk],
            via="membership" if org.pk in direct else "agency",
        )
        for org in orgs
    ]
