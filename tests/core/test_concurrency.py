"""Two owners demoting each other at the same moment still leave the organisation an owner."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection

from core.exceptions import ApplicationError
from core.models import Membership
from core.services import organisations as svc
from tests.factories.core import MembershipFactory, OrganisationFactory, UserFactory
from tests.services import missing_service


@pytest.mark.django_db(transaction=True)
def test_concurrent_mutual_demotion_keeps_one_owner() -> None:
    if connection.vendor != "postgresql":
        missing_service("row-lock test needs PostgreSQL (set DATABASE_URL)")
    org = OrganisationFactory(kind="brand")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    MembershipFactory(user=alice, organisation=org, role="owner")
    MembershipFactory(user=bob, organisation=org, role="owner")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def demote(actor_name: str, target_name: str) -> None:
        try:
            actor = User.objects.get(username=actor_name)
            target = Membership.objects.get(user__username=target_name, organisation=org)
            barrier.wait(timeout=10)
            svc.member_role_change(membership=target, role="member", changed_by=actor)
            outcomes[actor_name] = "ok"
        except (ApplicationError, PermissionDenied) as exc:
            outcomes[actor_name] = type(exc).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=("alice", "bob")),
        threading.Thread(target=demote, args=("bob", "alice")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes.values()).count("ok") == 1, outcomes
    assert Membership.objects.filter(organisation=org, role="owner").count() == 1
