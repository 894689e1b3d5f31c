"""Factories for the creator catalogue."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from discovery.models import Creator, FollowerSnapshot, Niche, Platform, Post, Profile
from scoring.models import DirtyProfile


class NicheFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Niche
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Niche {n}")
    slug = factory.Sequence(lambda n: f"niche-{n}")


class CreatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Creator

    name = factory.Faker("name")
    country = "GB"
    language = "en"


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        skip_postgeneration_save = True

    creator = factory.SubFactory(CreatorFactory)
    platform = Platform.INSTAGRAM
    handle = factory.Sequence(lambda n: f"creator_{n}")
    name = factory.LazyAttribute(lambda p: p.creator.name)
    country = "GB"
    language = "en"
    followers = 25_000
    following = 400
    posts_count = 300

    @factory.post_generation
    def score_dirty(obj: Profile, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Marked for rescoring unless ``score_dirty=False``, as an imported profile is."""
        if create and extracted is not False:
            DirtyProfile.objects.create(profile=obj)


class FollowerSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowerSnapshot

    profile = factory.SubFactory(ProfileFactory)
    captured_on = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=7 * n))
    followers = 25_000
    following = 400
    posts_count = 300


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    profile = factory.SubFactory(ProfileFactory)
    external_id = factory.Sequence(lambda n: f"p{n}")
    posted_at = factory.Sequence(lambda n: timezone.now() - dt.timedelta(days=n + 1))
    kind = Post.Kind.PHOTO
    likes = 800
    comments = 40
