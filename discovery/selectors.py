"""Reads of the creator catalogue: search, ordering, profile pages, similar creators, compare."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs, Cast, Coalesce, Greatest

from discovery.models import FollowerSnapshot, Niche, Post, Profile, SavedSearch
from scoring.models import ProfileScore

# Must match the GIN index of migration 0003 exactly (same function, config and expression),
# or PostgreSQL falls back to a sequential scan for free-text search.
SEARCH_DOCUMENT_SQL = (
    "to_tsvector('simple'::regconfig, coalesce(\"discovery_profile\".\"name\", '') || ' ' || "
    'coalesce("discovery_profile"."handle", \'\') || \' \' || coalesce("discovery_profile"."bio", \'\'))'
)
MAX_SEARCH_TERMS = 8
SIMILAR_LIMIT = 6
RECENT_POSTS_LIMIT = 12
COMPARE_MIN, COMPARE_MAX = 2, 5

# ordering key -> model path; nulls always last so unscored profiles never lead a sort.
ORDER_FIELDS = {
    "followers": "followers",
    "er": "score__er",
    "growth_30d_pct": "score__growth_30d_pct",
    "quality": "score__quality",
    "price": "score__price",
    "cpe": "score__cpe",
}


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_terms(text: str) -> list[str]:
    """Lower-cased word tokens of a free-text query (at most MAX_SEARCH_TERMS)."""
    return re.findall(r"\w+", text.lower())[:MAX_SEARCH_TERMS]


def profile_list() -> QuerySet[Profile]:
    """The catalogue with what a result row shows: the score (one join) and niches (one prefetch)."""
    return Profile.objects.select_related("score").prefetch_related(
        Prefetch("niches", queryset=Niche.objects.only("id", "slug", "name"))
    )


def profile_text_search(queryset: QuerySet[Profile], *, text: str) -> QuerySet[Profile]:
    """Profiles whose name, handle or bio match every word (prefix match); ranked on PostgreSQL."""
    terms = search_terms(text)
    if not terms:
        return queryset
    if not _is_postgres():
        for term in terms:
            queryset = queryset.filter(
                Q(name__icontains=term) | Q(handle__icontains=term) | Q(bio__icontains=term)
            )
        return queryset.annotate(search_rank=Value(0.0, output_field=FloatField()))
    tsquery = " & ".join(f"{term}:*" for term in terms)
    matches = RawSQL(
        f"{SEARCH_DOCUMENT_SQL} @@ to_tsquery('simple'::regconfig, %s)",
        (tsquery,),
        output_field=BooleanField(),
    )
    condition = Q(matches)
    if len(terms) == 1 and len(terms[0]) >= 3:
        # Substrings of handles ("fit" in "jenfitlondon"): the trigram GIN index serves this.
        condition |= Q(handle__contains=terms[0])
    rank = RawSQL(
        f"ts_rank({SEARCH_DOCUMENT_SQL}, to_tsquery('simple'::regconfig, %s))",
        (tsquery,),
        output_field=FloatField(),
    )
    return queryset.filter(condition).annotate(search_rank=rank)


def profile_order(queryset: QuerySet[Profile], *, ordering: str, text: str = "") -> QuerySet[Profile]:
    """Order by a sort key ("-" for descending), nulls last, id as tie-break; relevance needs ``text``."""
    key = ordering.lstrip("-")
    if key in ("relevance", "") and search_terms(text):
        return queryset.order_by(F("search_rank").desc(), F("followers").desc(nulls_last=True), "id")
    if key not in ORDER_FIELDS:
        ordering, key = "-followers", "followers"
    column = F(ORDER_FIELDS[key])
    expr = column.desc(nulls_last=True) if ordering.startswith("-") else column.asc(nulls_last=True)
    return queryset.order_by(expr, "id")


def niche_list() -> QuerySet[Niche]:
    """All niches, by name."""
    return Niche.objects.order_by("name")


@dataclass
class ProfileDetail:
    """Everything the profile page shows, read in a fixed number of queries."""

    profile: Profile
    accounts: list[Profile]
    snapshots: list[dict[str, Any]]
    spike_days: list[str]
    posts: list[Post]
    post_er: list[dict[str, Any]]
    similar: list[Profile]
    score: ProfileScore | None = None
    followers_as_of: dt.date | None = None
    signals: list[dict[str, Any]] = field(default_factory=list)


def profile_get(*, profile_id: int) -> Profile:
    """One profile with its score and niches (raises Profile.DoesNotExist)."""
    return profile_list().select_related("creator").get(pk=profile_id)


def _spike_days(signals: list[dict[str, Any]], snapshots: list[dict[str, Any]]) -> list[str]:
    """Snapshot days a flagged follower-spike signal points at, for marking on the growth chart.

    The signal carries the largest daily gain (``gain``), not its day, so the marked days are the
    snapshots whose per-day gain since the previous snapshot reaches that gain; explicit ``dates``
    (if a scorer adds them) are used as given.
    """
    days: set[str] = set()
    for signal in signals:
        if "spike" not in str(signal.get("code", "")) or not signal.get("flagged"):
            continue
        days.update(str(d) for d in signal.get("dates") or [])
        gain = signal.get("gain")
        if gain is None:
            continue
        for before, after in itertools.pairwise(snapshots):
            span = (after["captured_on"] - before["captured_on"]).days
            if span > 0 and (after["followers"] - before["followers"]) / span >= 0.98 * float(gain):
                days.add(after["captured_on"].isoformat())
    return sorted(days)


def _readable_signal(signal: dict[str, Any]) -> dict[str, Any]:
    """A signal with a label for people (the scorer stores a code)."""
    code = str(signal.get("code") or "signal")
    return {**signal, "label": code.replace("_", " ").capitalize(), "sentence": signal.get("sentence", "")}


def post_engagement(post: Post, *, followers: int | None) -> float | None:
    """ER of one post in percent: by views for videos with views, else by the account's followers."""
    likes, comments, shares = post.likes, post.comments or 0, post.shares or 0
    if likes is None:
        return None  # hidden likes are unknown, not zero
    if post.views:
        return (likes + comments + shares) / post.views * 100
    if followers:
        return (likes + comments) / followers * 100
    return None


def profile_detail(*, profile: Profile) -> ProfileDetail:
    """The profile page's data: other accounts, snapshots, recent posts, similar creators."""
    accounts = list(
        Profile.objects.filter(creator_id=profile.creator_id)
        .select_related("score")
        .order_by("platform", "handle")
    )
    snapshots = list(
        FollowerSnapshot.objects.filter(profile=profile)
        .order_by("captured_on")
        .values("captured_on", "followers", "following")
    )
    posts = list(Post.objects.filter(profile=profile).order_by("-posted_at")[:RECENT_POSTS_LIMIT])
    score = profile.score if _has_score(profile) else None
    signals = [s for s in (score.signals or []) if isinstance(s, dict)] if score else []
    post_er = [
        {"posted_at": p.posted_at.date().isoformat(), "er": post_engagement(p, followers=profile.followers)}
        for p in reversed(posts)
    ]
    return ProfileDetail(
        profile=profile,
        accounts=accounts,
        snapshots=[
            {"date": s["captured_on"].isoformat(), "followers": s["followers"], "following": s["following"]}
            for s in snapshots
        ],
        spike_days=_spike_days(signals, snapshots),
        posts=posts,
        post_er=post_er,
        similar=profile_similar(profile=profile),
        score=score,
        signals=[_readable_signal(s) for s in signals],
        followers_as_of=profile.stats_as_of or (score.as_of if score else None),
    )


def _has_score(profile: Profile) -> bool:
    try:
        return profile.score is not None
    except Profile.score.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return False


def profile_similar(*, profile: Profile, limit: int = SIMILAR_LIMIT) -> list[Profile]:
    """Same platform, tier and at least one niche; nearest first in log-size plus relative ER distance."""
    if not _has_score(profile) or not profile.score.tier:
        return []
    niche_ids = [n.pk for n in profile.niches.all()]
    if not niche_ids:
        return []
    followers = max(profile.followers or 1, 1)
    er = profile.score.er or 0.0
    through = Profile.niches.through
    size_distance = Abs(
        Cast(Coalesce(F("followers"), Value(0)), FloatField()) - Value(float(followers))
    ) / Value(float(followers))
    er_distance = Abs(Coalesce(F("score__er"), Value(0.0)) - Value(er)) / Greatest(Value(er), Value(0.5))
    return list(
        profile_list()
        .filter(platform=profile.platform, score__tier=profile.score.tier)
        .exclude(creator_id=profile.creator_id)
        .filter(Exists(through.objects.filter(profile_id=OuterRef("pk"), niche_id__in=niche_ids)))
        .annotate(distance=size_distance + er_distance)
        .order_by("distance", "id")[:limit]
    )


def profiles_for_compare(*, ids: list[int]) -> list[Profile]:
    """The requested profiles in the requested order (missing ids are left out)."""
    by_id = {p.pk: p for p in profile_list().filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def saved_search_list(*, user: User) -> QuerySet[SavedSearch]:
    """The user's own saved searches."""
    return SavedSearch.objects.filter(user=user).order_by("name")
