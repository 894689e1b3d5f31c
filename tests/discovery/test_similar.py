"""Similar creators: the nearest-first follower windows give exactly the unbounded ranking."""

from __future__ import annotations

import random

import pytest

from discovery import selectors
from discovery.models import Profile
from tests.factories.discovery import CreatorFactory, NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db


def _expected(me: Profile, candidates: list[Profile], limit: int) -> list[int]:
    """The ranking computed independently in Python: size gap over size plus relative ER gap."""
    size = max(me.followers or 1, 1)
    er = me.score.er or 0.0

    def distance(p: Profile) -> float:
        return abs((p.followers or 0) - size) / size + abs((p.score.er or 0.0) - er) / max(er, 0.5)

    return [p.pk for p in sorted(candidates, key=lambda p: (distance(p), p.pk))][:limit]


def test_similar_matches_the_unbounded_ranking_whichever_window_answers() -> None:
    # given: peers spread from 0.5 % to 20x away in size (every window, and past the widest),
    # one with unknown followers, plus accounts the rules exclude
    rng = random.Random(7)
    fitness, travel, food = (NicheFactory(slug=s) for s in ("fitness", "travel", "food"))
    me = ProfileFactory(handle="me", followers=50_000)
    me.niches.add(fitness, travel)
    ProfileScoreFactory(profile=me, tier="micro", er=3.0)
    peers = []
    for i, gap in enumerate(
        [0.005, 0.02, 0.04, 0.1, 0.3, 0.6, 0.9, 1.5, 5.0, 19.0, -0.007, -0.03, -0.2, -0.7]
    ):
        peer = ProfileFactory(handle=f"peer{i}", followers=round(50_000 * (1 + gap)))
        peer.niches.add(rng.choice([fitness, travel]))
        ProfileScoreFactory(profile=peer, tier="micro", er=round(rng.uniform(0.0, 9.0), 3))
        peers.append(peer)
    unknown = ProfileFactory(handle="unknown", followers=None)
    unknown.niches.add(fitness)
    ProfileScoreFactory(profile=unknown, tier="micro", er=3.0)
    peers.append(unknown)
    for handle, kwargs, tier, niche in [
        ("macro", {}, "macro", fitness),
        ("tiktok", {"platform": "tiktok"}, "micro", fitness),
        ("food", {}, "micro", food),
        ("sibling", {"creator": me.creator}, "micro", fitness),
    ]:
        other = ProfileFactory(handle=handle, followers=50_100, **kwargs)
        other.niches.add(niche)
        ProfileScoreFactory(profile=other, tier=tier, er=3.0)
    me = Profile.objects.select_related("score").get(pk=me.pk)
    peers = list(Profile.objects.select_related("score").filter(pk__in=[p.pk for p in peers]))

    for limit in (1, 2, 4, 6, 10, 20):
        # when
        similar = selectors.profile_similar(profile=me, limit=limit)

        # then
        assert [p.pk for p in similar] == _expected(me, peers, limit), limit


def test_similar_ties_break_by_id_across_window_edges() -> None:
    niche = NicheFactory(slug="beauty")
    me = ProfileFactory(handle="me", followers=10_000, creator=CreatorFactory())
    me.niches.add(niche)
    ProfileScoreFactory(profile=me, tier="micro", er=2.0)
    twins = []
    for i in range(8):  # all exactly 1 % larger: on the edge of the narrowest window
        twin = ProfileFactory(handle=f"twin{i}", followers=10_100)
        twin.niches.add(niche)
        ProfileScoreFactory(profile=twin, tier="micro", er=2.0)
        twins.append(twin.pk)
    me = Profile.objects.select_related("score").get(pk=me.pk)

    similar = selectors.profile_similar(profile=me)

    assert [p.pk for p in similar] == sorted(twins)[: selectors.SIMILAR_LIMIT]


def test_similar_handles_unknown_and_tiny_engagement_rates() -> None:
    # given: a low-ER account (the ER gap is then relative to 0.5) and peers with unknown ER
    niche = NicheFactory(slug="gaming")
    me = ProfileFactory(handle="me", followers=8_000)
    me.niches.add(niche)
    ProfileScoreFactory(profile=me, tier="micro", er=0.2)
    peers = []
    for i, (followers, er) in enumerate(
        [(8_010, None), (8_050, 0.0), (8_000, 0.21), (8_100, 0.19), (7_900, 0.6), (8_400, None), (9_000, 0.2)]
    ):
        peer = ProfileFactory(handle=f"low{i}", followers=followers)
        peer.niches.add(niche)
        ProfileScoreFactory(profile=peer, tier="micro", er=er)
        peers.append(peer)
    me = Profile.objects.select_related("score").get(pk=me.pk)
    peers = list(Profile.objects.select_related("score").filter(pk__in=[p.pk for p in peers]))

    for limit in (1, 3, 6):
        # when
        similar = selectors.profile_similar(profile=me, limit=limit)

        # then
        assert [p.pk for p in similar] == _expected(me, peers, limit), limit
