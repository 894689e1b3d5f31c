"""Factories for users and organisations."""

from __future__ import annotations

import factory
from django.contrib.auth.models import User

from core.models import AgencyClient, Membership, Organisation

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organisation.Kind.BRAND


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.MEMBER


class AgencyClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyClient

    agency = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.AGENCY)
    brand = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.BRAND)
