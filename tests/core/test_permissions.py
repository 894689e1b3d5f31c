"""core.permissions: can / scope / organisations_for for every persona, agency reach included."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core.models import AuditEntry, Organisation
from core.permissions import Action, can, forget_roles, organisations_for, role_for, scope
from tests.factories.core import AgencyClientFactory, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

V, E, M, A = Action.VIEW, Action.EDIT, Action.MANAGE, Action.AUDIT

# What each persona may do to a private object of the brand ("Acme"), written out cell by cell.
BRAND_MATRIX = {
    "brand_owner": {V: True, E: True, M: True, A: True},
    "brand_member": {V: True, E: True, M: False, A: False},
    "brand_viewer": {V: True, E: False, M: False, A: False},
    "agency_staff": {V: True, E: True, M: False, A: False},
    "outsider_agency_staff": {V: False, E: False, M: False, A: False},
    "other_brand_member": {V: False, E: False, M: False, A: False},
    "platform_admin": {V: False, E: False, M: False, A: False},
    "anonymous": {V: False, E: False, M: False, A: False},
}


def _user(request, persona):
    return AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)


def _private_object(organisation: Organisation) -> AuditEntry:
    return AuditEntry.objects.create(
        organisation=organisation, action="create", model_label="x.y", object_id="1", object_repr="x"
    )


@pytest.mark.parametrize("persona", list(BRAND_MATRIX))
def test_can_answers_each_action_on_a_brand_object_per_persona(request, brand, agency, persona) -> None:
    user = _user(request, persona)
    obj = _private_object(brand)

    answers = {action: can(user, action, obj) for action in Action}

    assert answers == BRAND_MATRIX[persona]


@pytest.mark.parametrize("persona", list(BRAND_MATRIX))
def test_scope_shows_a_brand_object_only_to_those_who_may_view_it(request, brand, agency, persona) -> None:
    user = _user(request, persona)
    mine = _private_object(brand)
    _private_object(OrganisationFactory(kind="brand"))

    visible = list(scope(AuditEntry.objects.all(), user))

    assert visible == ([mine] if BRAND_MATRIX[persona][V] else [])


def test_agency_staff_reach_client_brands_but_not_other_brands(agency, agency_staff, brand) -> None:
    stranger = OrganisationFactory(name="Not a client", kind="brand")
    client_obj, stranger_obj = _private_object(brand), _private_object(stranger)

    assert can(agency_staff, V, client_obj)
    assert can(agency_staff, E, client_obj)
    assert not can(agency_staff, V, stranger_obj)
    assert list(scope(AuditEntry.objects.all(), agency_staff)) == [client_obj]
    assert set(organisations_for(agency_staff, E)) == {agency, brand}


def test_agency_owner_edits_client_work_but_cannot_manage_or_audit_the_brand(agency, brand) -> None:
    agency_owner = UserFactory(username="agency_owner")
    MembershipFactory(user=agency_owner, organisation=agency, role="owner")

    assert role_for(agency_owner, brand) == "owner"
    assert can(agency_owner, E, brand)
    assert not can(agency_owner, M, brand)
    assert not can(agency_owner, A, brand)
    assert can(agency_owner, M, agency)
    assert list(organisations_for(agency_owner, A)) == [agency]


def test_agency_reach_ends_when_the_client_link_is_removed(agency, agency_staff, brand) -> None:
    assert can(agency_staff, V, brand)
    agency.client_links.all().delete()
    forget_roles(agency_staff)

    assert not can(agency_staff, V, brand)


def test_a_users_own_membership_outranks_a_weaker_agency_role(agency, brand) -> None:
    user = UserFactory(username="both")
    MembershipFactory(user=user, organisation=agency, role="viewer")
    MembershipFactory(user=user, organisation=brand, role="manager")

    assert role_for(user, brand) == "manager"
    assert can(user, M, brand)


def test_inactive_users_can_do_nothing(brand, brand_owner) -> None:
    brand_owner.is_active = False

    assert not can(brand_owner, V, brand)
    assert list(organisations_for(brand_owner)) == []


def test_objects_without_an_organisation_are_refused(brand_owner) -> None:
    assert not can(brand_owner, V, object())


def test_agency_client_links_serve_many_brands(agency_staff, agency) -> None:
    second = OrganisationFactory(kind="brand")
    AgencyClientFactory(agency=agency, brand=second)
    forget_roles(agency_staff)

    assert can(agency_staff, E, second)
