"""Writers: upsert one parsed chunk of one kind and say, row by row, what happened to it."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.db import connection
from django.utils import timezone

from core.db import copy_expert
from discovery.importing import values as v
from discovery.importing.rows import CellProblem, ParsedRows
from discovery.models import (
    FollowerSample,
    FollowerSnapshot,
    Niche,
    Post,
    Profile,
)
from discovery.services.imports.sql import (
    _COPY_ESCAPES,
    COPY_READ,
    _bulk_upsert,
    _creators_create,
    _mark_dirty,
    _upsert_rows,
    copy_column,
    stage_text,
    unknown_accounts,
)
from discovery.services.imports.summary import BATCH_ROWS, ImportSummary

PROFILE_DESCRIPTIVE = ("name", "bio", "country", "language", "url", "email", "verified")
PROFILE_STATS = (
    "followers",
    "following",
    "posts_count",
    "avg_likes",
    "avg_comments",
    "avg_views",
    "avg_shares",
    "avg_engagements",
    "imported_er",
    "audience_countries",
    "audience_main_country",
    "audience_female_pct",
    "audience_age_main",
)
PROFILE_FIELDS = (*PROFILE_DESCRIPTIVE, *PROFILE_STATS, "stats_as_of")
PROFILE_DEFAULTS: dict[str, Any] = {
    "name": "",
    "bio": "",
    "country": "",
    "language": "",
    "url": "",
    "email": "",
    "verified": False,
    "audience_countries": {},
    "audience_main_country": "",
    "audience_age_main": "",
}
POST_COUNTS = ("likes", "comments", "shares", "saves", "views")
POST_FIELDS = ("posted_at", "kind", *POST_COUNTS, "is_sponsored", "caption", "hashtags", "mentions")
SAMPLE_FIELDS = {
    "follower_posts": "posts",
    "follower_following": "following",
    "follower_followers": "followers",
    "has_profile_picture": "has_profile_picture",
    "is_private": "is_private",
}
# Categories of the 2022 vendor files that mean an existing niche of the taxonomy (used when it exists).
NICHE_ALIASES = {
    "fitness-gym": "fitness",
    "food-cooking": "food",
    "food-drinks": "food",
    "video-games": "gaming",
    "science-technology": "tech",
    "computers-gadgets": "tech",
    "clothing-outfits": "fashion",
    "humor": "comedy",
    "humor-fun-happiness": "comedy",
    "comics-sketches": "comedy",
    "animals-pets": "pets",
    "animals": "pets",
    "finance-economics": "finance",
    "design-art": "art-design",
    "art-artists": "art-design",
    "diy-design": "diy",
    "diy-life-hacks": "diy",
    "literature-journalism": "books",
    "health-self-help": "wellness",
    "nature-landscapes": "outdoors",
    "extreme-sports-outdoor-activity": "outdoors",
    "music-dance": "music",
    "kids-toys": "parenting",
    "family": "parenting",
    "cars-motorbikes": "automotive",
    "autos-vehicles": "automotive",
}
DEFAULT_POST_KIND = {"instagram": "photo", "tiktok": "video", "youtube": "video"}


class _Prepared:
    """A writer's ``staging`` of a chunk, built in the reading thread (None: the chunk was declined)."""

    __slots__ = ("text",)

    def __init__(self, text: Any) -> None:
        self.text = text


class _Writer:
    """Upserts one chunk of one kind; returns each kept row's status (created/updated/unchanged)."""

    key_fields: tuple[str, ...] = ("handle",)

    def __init__(
        self, *, summary: ImportSummary, platform: str | None, snapshot_date: dt.date | None
    ) -> None:
        self.summary = summary
        self.platform = platform
        self.snapshot_date = snapshot_date

    def write(self, parsed: ParsedRows) -> dict[int, str]:
        """Validate keys, drop superseded duplicates, then upsert."""
        keyed: dict[tuple[Any, ...], int] = {}
        for row in sorted(parsed.records):
            record = parsed.records[row]
            key = self.key_of(row, record, parsed)
            if key is None:
                continue
            if key in keyed:
                earlier = keyed[key]
                parsed.problems.append(
                    CellProblem(
                        earlier,
                        "(row)",
                        " / ".join(str(k) for k in key),
                        f"duplicate key {key!r}: superseded by row {row} (the last row wins)",
                        severity="duplicate",
                    )
                )
                parsed.rejected[earlier] = f"duplicate of row {row} (the last row wins)"
                parsed.records.pop(earlier, None)
            keyed[key] = row
        if not keyed:
            return {}
        return self.upsert(parsed, keyed)

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        """The row's natural key, or None after rejecting the row."""
        platform = record.get("platform") or self.platform
        if not platform:
            parsed.reject(
                row, "platform", "", "no platform: add a platform column or choose one for the file"
            )
            return None
        record["platform"] = platform
        for name in self.key_fields:
            if record.get(name) in (None, ""):
                parsed.reject(row, name, "", f"{name} is required but empty")
                return None
        return (platform, *(record[name] for name in self.key_fields))

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        raise NotImplementedError

    def write_set_based(self, parsed: ParsedRows) -> Counter[str] | None:
        """Set-based write of a clean chunk on PostgreSQL: counts by status, or None to use ``write``."""
        return None

    def staging(self, parsed: ParsedRows) -> Any:
        """The chunk made ready for the set-based write (no database), or None to decline it."""
        return None

    def prepare(self, parsed: ParsedRows) -> None:
        """Build ``staging`` ahead, in the reading thread (it touches neither the database nor ``self``)."""
        parsed.staged = _Prepared(self.staging(parsed))

    def staged(self, parsed: ParsedRows) -> Any:
        """``staging`` of the chunk, as prepared ahead or built now."""
        if isinstance(parsed.staged, _Prepared):
            return parsed.staged.text
        return self.staging(parsed)

    def key_frame(
        self,
        parsed: ParsedRows,
        fields: tuple[str, ...],
        required: tuple[str, ...] = (),
        defaults: dict[str, Any] | None = None,
    ) -> pd.DataFrame | None:
        """The chunk by column (``row``, ``platform`` and ``fields``) for the set-based path.

        None when a row would be rejected by ``key_of`` (a missing key or ``required`` value) or two
        rows share a key: those chunks take the row-keyed path, which reports them row by row.
        """
        size = len(parsed.rows)
        platform = parsed.column("platform")
        if platform is None:
            platform = [self.platform] * size
        elif self.platform:
            platform = [p or self.platform for p in platform]
        data: dict[str, list[Any]] = {"row": parsed.rows, "platform": platform}
        for name in fields:
            values = parsed.column(name) or [None] * size
            default = (defaults or {}).get(name)
            data[name] = values if default is None else [default if x is None else x for x in values]
        # Object columns: a count column with gaps must stay ints and None, not floats and NaN.
        frame = pd.DataFrame(data, dtype=object)
        if frame[["platform", *self.key_fields, *required]].isna().to_numpy().any():
            return None
        if frame.duplicated(["platform", *self.key_fields]).any():
            return None
        return frame

    def reject_unknown_accounts(self, parsed: ParsedRows, table: str) -> None:
        """Reject the staged rows whose account is not in the catalogue (as ``profiles_for`` does)."""
        for row, platform, handle in unknown_accounts(table):
            parsed.reject(
                row,
                "handle",
                handle,
                f"no {platform} account '{handle}' in the catalogue; import its profile first",
            )

    def profiles_for(
        self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """The stored accounts of the chunk's (platform, handle) pairs; rows of unknown accounts rejected."""
        wanted: dict[str, set[str]] = {}
        for key in keyed:
            wanted.setdefault(key[0], set()).add(key[1])
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for platform, handles in wanted.items():
            for item in Profile.objects.filter(platform=platform, handle__in=handles).values(
                "id", "handle", "stats_as_of", "followers", "following", "posts_count"
            ):
                found[(platform, item["handle"])] = item
        for key, row in list(keyed.items()):
            if (key[0], key[1]) not in found:
                parsed.reject(
                    row,
                    "handle",
                    key[1],
                    f"no {key[0]} account '{key[1]}' in the catalogue; import its profile first",
                )
                del keyed[key]
        return found


def _any_profile_stored(platforms: list[str], handles: list[str]) -> bool:
    """True if any of these (platform, handle) accounts is in the catalogue (index lookups)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[]) AS k(platform, handle) "
            "JOIN discovery_profile p ON p.platform = k.platform AND p.handle = k.handle)",
            [platforms, handles],
        )
        return bool(cursor.fetchone()[0])


class _ProfileWriter(_Writer):
    """Profiles keyed (platform, handle); a dated row also records that day's snapshot."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Niche ids by slug and lower-case name; None after a rolled-back write (a niche it made is gone).
        self.niches: dict[str, int] | None = None
        # Niche id by category name as the file wrote it (slugging each name was a sixth of the writer's
        # time for 100k profiles); emptied with ``niches``.
        self._niche_by_name: dict[str, int] = {}

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        existing = self._existing(keyed)
        links = self._links([item["id"] for item in existing.values()])
        statuses: dict[int, str] = {}
        rows: list[list[Any]] = []
        new_creators: list[tuple[list[Any], tuple[str, str, str]]] = []
        wanted_niches: dict[tuple[str, str], set[int]] = {}
        snapshot_rows: list[tuple[tuple[str, str], int, dict[str, Any], dt.date]] = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get(key)
            new, row_date = self._merge(record, old)
            niche_ids = self._niche_ids(record.get("niches") or [])
            added = niche_ids - links.get(old["id"], set()) if old else niche_ids
            if old is None:
                statuses[row] = "created"
            elif added or any(new[f] != old[f] for f in PROFILE_FIELDS):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
            if added:
                wanted_niches[key] = added
            if row_date is not None and record.get("followers") is not None:
                snapshot_rows.append((key, row, record, row_date))
            if statuses[row] == "unchanged":
                continue
            values = [key[0], key[1], old["creator_id"] if old else None, *map(new.get, PROFILE_FIELDS)]
            if old is None:
                new_creators.append((values, (new["name"] or key[1], new["country"], new["language"])))
            rows.append(values)
        if new_creators:
            creator_ids = _creators_create([creator for _, creator in new_creators])
            for (values, _), creator_id in zip(new_creators, creator_ids, strict=True):
                values[2] = creator_id
        written = _upsert_rows(
            Profile,
            ["platform", "handle", "creator_id", *PROFILE_FIELDS],
            [tuple(values) for values in rows],
            unique_fields=["platform", "handle"],
            update_fields=[*PROFILE_FIELDS, "updated_at"],
            returning=["platform", "handle", "id"],
        )
        ids = {key: item["id"] for key, item in existing.items()}
        if written is not None:
            ids.update({(platform, handle): pk for platform, handle, pk in written})
        elif any(k not in ids for k in keyed):
            ids.update(self._ids_of({k for k in keyed if k not in ids}))
        _mark_dirty({ids[k] for k, r in keyed.items() if statuses[r] != "unchanged"})
        if wanted_niches:
            _upsert_rows(
                Profile.niches.through,
                ["profile_id", "niche_id"],
                [(ids[k], n) for k, added in wanted_niches.items() for n in added],
                unique_fields=["profile", "niche"],
                update_fields=[],
            )
        if snapshot_rows:
            counts = _upsert_snapshots(
                [
                    (row, ids[key], day, rec.get("followers"), rec.get("following"), rec.get("posts_count"))
                    for key, row, rec, day in snapshot_rows
                ]
            )
            for status in counts.values():
                self.summary.snapshots[status] += 1
        return statuses

    def staging(self, parsed: ParsedRows) -> _ProfileChunk | None:
        """(reading thread) The chunk's new-account values as ``_merge`` gives them, each row already in
        COPY's text format but for its ids; None when a row lacks a key or two rows share one (the
        row-keyed path reports those)."""
        fields = ("handle", *PROFILE_FIELDS[:-1], "snapshot_date", "niches")
        frame = self.key_frame(parsed, fields)
        if frame is None:
            return None
        # The values of a new account, as _merge gives them (an empty cell takes the field's default).
        for name, default in PROFILE_DEFAULTS.items():
            if name != "audience_countries":
                frame[name] = frame[name].where(frame[name].notna() & frame[name].ne(""), default)
        frame["audience_countries"] = [c if c else {} for c in frame["audience_countries"].tolist()]
        row_date = frame["snapshot_date"].where(frame["snapshot_date"].notna(), self.snapshot_date)
        stats_given = pd.Series(False, index=frame.index)
        for name in PROFILE_STATS:
            column = frame[name]
            given = column.notna()
            if name == "audience_countries":
                given = column.map(bool)
            elif column.dtype == object:
                given &= column.ne("")
            stats_given |= given
        frame["stats_as_of"] = row_date.where(stats_given & row_date.notna(), None)
        platforms, handles = frame["platform"].tolist(), frame["handle"].tolist()
        text = _copy_texts
        profile_columns = [text(platforms), text(handles)] + [
            copy_column(Profile._meta.get_field(name), frame[name].tolist()) for name in PROFILE_FIELDS
        ]
        creators = [
            f"{name}\t{country}\t{language}"
            for name, country, language in zip(
                text([name or handle for name, handle in zip(frame["name"].tolist(), handles, strict=True)]),
                text(frame["country"].tolist()),
                text(frame["language"].tolist()),
                strict=True,
            )
        ]
        null = "\\N"
        dated = (row_date.notna() & frame["followers"].notna()).tolist()
        snapshots = [
            (
                i,
                f"{day.isoformat()}\t{int(followers)}\t{null if following is None else int(following)}\t"
                f"{null if posts is None else int(posts)}",
            )
            for i, (is_dated, day, followers, following, posts) in enumerate(
                zip(
                    dated,
                    row_date.tolist(),
                    frame["followers"].tolist(),
                    frame["following"].tolist(),
                    frame["posts_count"].tolist(),
                    strict=True,
                )
            )
            if is_dated
        ]
        return _ProfileChunk(
            platforms=platforms,
            handles=handles,
            profiles=["\t".join(values) for values in zip(*profile_columns, strict=True)],
            creators=creators,
            niches=frame["niches"].tolist(),
            snapshots=snapshots,
        )

    def write_set_based(self, parsed: ParsedRows) -> Counter[str] | None:
        """A chunk of accounts none of which is stored yet: creators, profiles, niche links and dated
        snapshots each COPYed straight into their table, ids drawn from the tables' sequences first.

        Declines (the row-keyed path merges) when any account of the chunk is already stored. New
        accounts have no links or snapshots yet, so no row can conflict: COPY into the tables themselves
        skips the staging table, the join and the speculative insertion of INSERT ... ON CONFLICT. An
        account stored concurrently between the check and the COPY makes the COPY fail on the unique
        key: the chunk then takes the row-keyed path.
        """
        chunk: _ProfileChunk | None = self.staged(parsed)
        if chunk is None or _any_profile_stored(chunk.platforms, chunk.handles):
            return None
        creator_ids, profile_ids = _new_ids(len(chunk.profiles))
        now = timezone.now().isoformat()
        stamps = f"\t{now}\t{now}\n"
        with connection.cursor() as cursor:
            copy_expert(
                cursor,
                _CREATOR_COPY,
                io.StringIO(
                    "".join(
                        f"{pk}\t{line}{stamps}" for pk, line in zip(creator_ids, chunk.creators, strict=True)
                    )
                ),
                COPY_READ,
            )
            copy_expert(
                cursor,
                _PROFILE_COPY,
                io.StringIO(
                    "".join(
                        f"{pk}\t{creator}\t{line}{stamps}"
                        for pk, creator, line in zip(profile_ids, creator_ids, chunk.profiles, strict=True)
                    )
                ),
                COPY_READ,
            )
            links = "".join(
                f"{pk}\t{niche}\n"
                for pk, names in zip(profile_ids, chunk.niches, strict=True)
                if names
                for niche in sorted(self._niche_ids(names))
            )
            if links:
                copy_expert(cursor, _NICHE_LINK_COPY, io.StringIO(links), COPY_READ)
            if chunk.snapshots:
                copy_expert(
                    cursor,
                    _SNAPSHOT_COPY,
                    io.StringIO("".join(f"{profile_ids[i]}\t{line}{stamps}" for i, line in chunk.snapshots)),
                    COPY_READ,
                )
        _mark_dirty(set(profile_ids))
        self.summary.snapshots["created"] += len(chunk.snapshots)
        return Counter(created=len(profile_ids))

    def _merge(
        self, record: dict[str, Any], old: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dt.date | None]:
        """The stored values after this row: descriptive fields when given; stats only if not older."""
        new = dict(old) if old else {**dict.fromkeys(PROFILE_FIELDS), **PROFILE_DEFAULTS}
        if old is None:
            new["audience_countries"] = {}
        row_date = record.get("snapshot_date") or self.snapshot_date
        for name in PROFILE_DESCRIPTIVE:
            value = record.get(name)
            if value not in (None, ""):
                new[name] = value
        as_of = old["stats_as_of"] if old else None
        # Counts are "latest known": an older file (or an undated one over dated data) never overwrites them.
        if as_of is None or (row_date is not None and row_date >= as_of):
            given = False
            for name in PROFILE_STATS:
                value = record.get(name)
                if value not in (None, "", {}):
                    new[name] = value
                    given = True
            if given and row_date is not None:
                new["stats_as_of"] = row_date
        return new, row_date

    def _existing(self, keyed: dict[tuple[Any, ...], int]) -> dict[tuple[str, str], dict[str, Any]]:
        wanted: dict[str, list[str]] = {}
        for key in keyed:
            wanted.setdefault(key[0], []).append(key[1])
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for platform, handles in wanted.items():
            for item in Profile.objects.filter(platform=platform, handle__in=handles).values(
                "id", "creator_id", "handle", *PROFILE_FIELDS
            ):
                found[(platform, item["handle"])] = item
        return found

    def _ids_of(self, keys: set[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
        wanted: dict[str, list[str]] = {}
        for key in keys:
            wanted.setdefault(key[0], []).append(key[1])
        return {
            (platform, handle): pk
            for platform, handles in wanted.items()
            for handle, pk in Profile.objects.filter(platform=platform, handle__in=handles).values_list(
                "handle", "id"
            )
        }

    def _links(self, profile_ids: list[int]) -> dict[int, set[int]]:
        links: dict[int, set[int]] = {}
        if profile_ids:
            rows = Profile.niches.through.objects.filter(profile_id__in=profile_ids).values_list(
                "profile_id", "niche_id"
            )
            for profile_id, niche_id in rows:
                links.setdefault(profile_id, set()).add(niche_id)
        return links

    def _niche_ids(self, names: list[str]) -> set[int]:
        """Niche ids for category names: the taxonomy (slug, name, alias) first, else a new uncurated one."""
        if not names:
            return set()
        if self.niches is None:
            self.niches = {}
            self._niche_by_name = {}
            for pk, slug, name in Niche.objects.values_list("id", "slug", "name"):
                self.niches[slug] = pk
                self.niches[name.lower()] = pk
        ids = set()
        for name in names:
            known = self._niche_by_name.get(name)
            if known is not None:
                ids.add(known)
                continue
            clean_name = " ".join(name.split())[:120]
            slug = v.niche_slug(clean_name)
            pk = self.niches.get(slug) or self.niches.get(clean_name.lower())
            if pk is None and NICHE_ALIASES.get(slug) in self.niches:
                pk = self.niches[NICHE_ALIASES[slug]]
            if pk is None:
                niche, created = Niche.objects.get_or_create(
                    slug=slug, defaults={"name": clean_name, "curated": False}
                )
                pk = niche.pk
                if created:
                    self.summary.new_niches.append(clean_name)
                self.niches[slug] = pk
                self.niches[clean_name.lower()] = pk
            self._niche_by_name[name] = pk
            ids.add(pk)
        return ids


def _upsert_snapshots(
    items: list[tuple[int, int, dt.date, int | None, int | None, int | None]],
) -> dict[int, str]:
    """Upsert (row, profile_id, day, followers, following, posts) keyed (profile, day); statuses by row."""
    existing: dict[tuple[int, dt.date], dict[str, Any]] = {}
    profile_ids = {item[1] for item in items}
    days = {item[2] for item in items}
    for snap in FollowerSnapshot.objects.filter(profile_id__in=profile_ids, captured_on__in=days).values(
        "profile_id", "captured_on", "followers", "following", "posts_count"
    ):
        existing[(snap["profile_id"], snap["captured_on"])] = snap
    statuses: dict[int, str] = {}
    rows: list[tuple[Any, ...]] = []
    for row, profile_id, day, followers, following, posts_count in items:
        old = existing.get((profile_id, day))
        new = {
            "followers": followers,
            # A day's missing value keeps what that day already had.
            "following": following if following is not None else (old or {}).get("following"),
            "posts_count": posts_count if posts_count is not None else (old or {}).get("posts_count"),
        }
        if old is None:
            statuses[row] = "created"
        elif any(new[f] != old[f] for f in new):
            statuses[row] = "updated"
        else:
            statuses[row] = "unchanged"
            continue
        rows.append((profile_id, day, new["followers"], new["following"], new["posts_count"]))
    if rows:
        _upsert_rows(
            FollowerSnapshot,
            ["profile_id", "captured_on", "followers", "following", "posts_count"],
            rows,
            unique_fields=["profile", "captured_on"],
            update_fields=["followers", "following", "posts_count", "updated_at"],
        )
    return statuses


class _SnapshotWriter(_Writer):
    """Follower snapshots keyed (profile, date); the account's latest counts follow the newest snapshot."""

    key_fields = ("handle", "date")

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        if record.get("date") is None and self.snapshot_date is not None:
            record["date"] = self.snapshot_date
        if record.get("followers") is None:
            if row in parsed.records:
                parsed.reject(row, "followers", "", "followers is required but empty")
            return None
        return super().key_of(row, record, parsed)

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        items = []
        latest: dict[int, tuple[dt.date, dict[str, Any]]] = {}
        for key, row in keyed.items():
            record = parsed.records[row]
            profile = profiles[(key[0], key[1])]
            items.append(
                (
                    row,
                    profile["id"],
                    key[2],
                    record["followers"],
                    record.get("following"),
                    record.get("posts_count"),
                )
            )
            if profile["id"] not in latest or key[2] > latest[profile["id"]][0]:
                latest[profile["id"]] = (key[2], record)
        statuses = _upsert_snapshots(items)
        by_id = {p["id"]: p for p in profiles.values()}
        changed = []
        for profile_id, (day, record) in latest.items():
            stored = by_id[profile_id]
            if stored["stats_as_of"] is not None and day < stored["stats_as_of"]:
                continue
            new = {
                "followers": record["followers"],
                "following": record.get("following")
                if record.get("following") is not None
                else stored["following"],
                "posts_count": record.get("posts_count")
                if record.get("posts_count") is not None
                else stored["posts_count"],
            }
            if stored["stats_as_of"] != day or any(new[f] != stored[f] for f in new):
                changed.append(Profile(id=profile_id, stats_as_of=day, **new))
        if changed:
            Profile.objects.bulk_update(
                changed, ["followers", "following", "posts_count", "stats_as_of"], batch_size=BATCH_ROWS
            )
        _mark_dirty(
            {profiles[(k[0], k[1])]["id"] for k, r in keyed.items() if statuses.get(r) != "unchanged"}
            | {profile.id for profile in changed}
        )
        return statuses

    def staging(self, parsed: ParsedRows) -> _SnapshotChunk | None:
        """The chunk's columns, the file's platform and date filled in (no frame: building one was a
        tenth of the writer's time); None when a row lacks a key or followers, or two rows share a key
        (the row-keyed path reports those)."""
        size = len(parsed.rows)
        missing = [None] * size
        platform = _platforms(parsed, self.platform)
        handle = parsed.column("handle") or missing
        date = parsed.column("date") or missing
        if self.snapshot_date is not None:
            date = [self.snapshot_date if d is None else d for d in date]
        followers = parsed.column("followers") or missing
        if None in platform or None in handle or None in date or None in followers:
            return None
        if len(set(zip(platform, handle, date, strict=True))) < size:
            return None
        followers = [int(x) for x in followers]
        following = parsed.column("following") or missing
        posts_count = parsed.column("posts_count") or missing
        null = "\\N"
        return _SnapshotChunk(
            rows=parsed.rows,
            platform=platform,
            handle=handle,
            date=date,
            followers=followers,
            following=following,
            posts_count=posts_count,
            # Each row's day and counts in COPY's text format, made here while the database writes the
            # previous chunk (in the writer's thread this was a tenth of a snapshot import's time).
            text=[
                f"{day}\t{count}\t{null if follows is None else int(follows)}\t"
                f"{null if posts is None else int(posts)}"
                for day, count, follows, posts in zip(date, followers, following, posts_count, strict=True)
            ],
        )

    def write_set_based(self, parsed: ParsedRows) -> Counter[str] | None:
        """A clean chunk in few statements: its accounts and stored days read by key, new days COPYed
        straight into the snapshot table, stored days updated only where a value differs, and each
        account's latest counts moved to its newest snapshot in one UPDATE.

        COPY into the table itself (no staging table, no join, no speculative insertion) was about a
        third less database time than INSERT ... SELECT ... ON CONFLICT for a new catalogue. A day
        stored concurrently between the read and the COPY makes the COPY fail: the chunk then takes the
        row-keyed path.
        """
        chunk: _SnapshotChunk | None = self.staged(parsed)
        if chunk is None:
            return None
        pairs = sorted(set(zip(chunk.platform, chunk.handle, strict=True)))
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; " + _SNAPSHOT_ACCOUNTS,
                [[p for p, _ in pairs], [h for _, h in pairs]],
            )
            ids = {(platform, handle): pk for platform, handle, pk in cursor.fetchall()}
        # Rows of accounts not in the catalogue are rejected, the others keyed by (profile, day).
        keyed: list[tuple[int, int, dt.date, int, int | None, int | None]] = []
        texts: list[str] = []
        for row, platform, handle, day, followers, following, posts, text in zip(
            chunk.rows,
            chunk.platform,
            chunk.handle,
            chunk.date,
            chunk.followers,
            chunk.following,
            chunk.posts_count,
            chunk.text,
            strict=True,
        ):
            pk = ids.get((platform, handle))
            if pk is None:
                parsed.reject(
                    row,
                    "handle",
                    handle,
                    f"no {platform} account '{handle}' in the catalogue; import its profile first",
                )
                continue
            keyed.append((row, pk, day, followers, following, posts))
            texts.append(text)
        if not keyed:
            return Counter()
        with connection.cursor() as cursor:
            days = [item[2] for item in keyed]
            cursor.execute(_SNAPSHOT_STORED, [sorted({item[1] for item in keyed}), min(days), max(days)])
            stored = {(pk, day) for pk, day in cursor.fetchall()}
        is_new = [(item[1], item[2]) not in stored for item in keyed]
        new = [(item, text) for item, text, fresh in zip(keyed, texts, is_new, strict=True) if fresh]
        old = [item for item, fresh in zip(keyed, is_new, strict=True) if not fresh]
        touched: set[int] = set()
        updated = 0
        with connection.cursor() as cursor:
            if new:
                now = timezone.now().isoformat()
                stamps = f"\t{now}\t{now}\n"
                copy = "".join(f"{item[1]}\t{text}{stamps}" for item, text in new)
                copy_expert(cursor, _SNAPSHOT_COPY, io.StringIO(copy), COPY_READ)
                touched.update(item[1] for item, _ in new)
            if old:
                cursor.execute(_SNAPSHOT_UPDATE, _snapshot_arrays(old))
                changed = [pk for (pk,) in cursor.fetchall()]
                updated = len(changed)
                touched.update(changed)
            # Latest counts follow each account's newest snapshot of the chunk, unless the stored ones
            # are newer (or the same).
            latest: dict[int, tuple[int, int, dt.date, int, int | None, int | None]] = {}
            for item in keyed:
                best = latest.get(item[1])
                if best is None or item[2] > best[2]:
                    latest[item[1]] = item
            cursor.execute(_SNAPSHOT_LATEST, _snapshot_arrays(list(latest.values())))
            touched.update(pk for (pk,) in cursor.fetchall())
        _mark_dirty(touched)
        return Counter(created=len(new), updated=updated, unchanged=len(old) - updated)


class _ProfileChunk:
    """A clean chunk of new accounts, prepared in the reading thread: each row's creator, profile and
    snapshot in COPY's text format without the ids (drawn when the chunk is written)."""

    __slots__ = ("creators", "handles", "niches", "platforms", "profiles", "snapshots")

    def __init__(
        self,
        *,
        platforms: list[str],
        handles: list[str],
        profiles: list[str],
        creators: list[str],
        niches: list[list[str]],
        snapshots: list[tuple[int, str]],
    ) -> None:
        self.platforms = platforms
        self.handles = handles
        # platform, handle and PROFILE_FIELDS of each row; creators: name, country, language.
        self.profiles = profiles
        self.creators = creators
        self.niches = niches
        # (position in the chunk, day, followers, following, posts) of the dated rows with followers.
        self.snapshots = snapshots


_CREATOR_COPY = (
    'COPY "discovery_creator" ("id", "name", "country", "language", "created_at", "updated_at") '
    "FROM STDIN WITH (FORMAT text)"
)
_PROFILE_COPY = (
    'COPY "discovery_profile" ("id", "creator_id", "platform", "handle", '
    + ", ".join(f'"{name}"' for name in PROFILE_FIELDS)
    + ', "created_at", "updated_at") FROM STDIN WITH (FORMAT text)'
)
_NICHE_LINK_COPY = 'COPY "discovery_profile_niches" ("profile_id", "niche_id") FROM STDIN WITH (FORMAT text)'


def _new_ids(count: int) -> tuple[list[int], list[int]]:
    """``count`` new creator ids and ``count`` new profile ids, drawn from their sequences in one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('discovery_creator', 'id')), "
            "nextval(pg_get_serial_sequence('discovery_profile', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        pairs = cursor.fetchall()
    return [creator for creator, _ in pairs], [profile for _, profile in pairs]


class _SnapshotChunk:
    """A clean snapshot chunk by column, prepared in the reading thread."""

    __slots__ = ("date", "followers", "following", "handle", "platform", "posts_count", "rows", "text")

    def __init__(self, **columns: list[Any]) -> None:
        for name, values in columns.items():
            setattr(self, name, values)


def _snapshot_arrays(items: list[tuple[int, int, dt.date, int, int | None, int | None]]) -> list[list[Any]]:
    """(row, profile, day, followers, following, posts) items as the array parameters of an unnest."""
    return [[item[i] for item in items] for i in range(1, 6)]


_SNAPSHOT_ACCOUNTS = """
SELECT p.platform, p.handle, p.id
FROM unnest(%s::text[], %s::text[]) AS k(platform, handle)
JOIN discovery_profile p ON p.platform = k.platform AND p.handle = k.handle
"""
# The stored days of the chunk's accounts within the chunk's range of days, one range scan of the unique
# (profile, day) index per account (the transaction has hash and merge joins off): a chunk of 5,000 rows
# covers a few hundred accounts, and probing each (profile, day) key instead was the largest part of a
# snapshot import's database time (17 of 51 s, 100k catalogue). With ``profile_id = ANY(...) AND
# captured_on = ANY(...)`` the planner, whose statistics lag a bulk load, chose a parallel scan of the
# whole table for every chunk (1M catalogue).
_SNAPSHOT_STORED = """
SELECT t.profile_id, t.captured_on
FROM unnest(%s::bigint[]) AS k(profile_id)
JOIN discovery_followersnapshot t ON t.profile_id = k.profile_id
WHERE t.captured_on BETWEEN %s AND %s
"""
_SNAPSHOT_COPY = (
    "COPY discovery_followersnapshot (profile_id, captured_on, followers, following, posts_count, "
    "created_at, updated_at) FROM STDIN WITH (FORMAT text)"
)
_UNNEST_SNAPSHOTS = (
    "unnest(%s::bigint[], %s::date[], %s::bigint[], %s::bigint[], %s::bigint[]) "
    "AS u(profile_id, day, followers, following, posts_count)"
)
# A stored day is rewritten only when a value differs; a day's missing following/posts keep the stored ones.
_SNAPSHOT_UPDATE = f"""
UPDATE discovery_followersnapshot t SET
    followers = u.followers,
    following = COALESCE(u.following, t.following),
    posts_count = COALESCE(u.posts_count, t.posts_count),
    updated_at = now()
FROM {_UNNEST_SNAPSHOTS}
WHERE t.profile_id = u.profile_id AND t.captured_on = u.day
  AND (t.followers, t.following, t.posts_count) IS DISTINCT FROM
      (u.followers, COALESCE(u.following, t.following), COALESCE(u.posts_count, t.posts_count))
RETURNING t.profile_id
"""
_SNAPSHOT_LATEST = f"""
UPDATE discovery_profile p SET
    followers = u.followers,
    following = COALESCE(u.following, p.following),
    posts_count = COALESCE(u.posts_count, p.posts_count),
    stats_as_of = u.day
FROM {_UNNEST_SNAPSHOTS}
WHERE p.id = u.profile_id
  AND (p.stats_as_of IS NULL OR u.day >= p.stats_as_of)
  AND (p.stats_as_of IS DISTINCT FROM u.day
       OR (p.followers, p.following, p.posts_count) IS DISTINCT FROM
          (u.followers, COALESCE(u.following, p.following), COALESCE(u.posts_count, p.posts_count)))
RETURNING p.id
"""


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def _platforms(parsed: ParsedRows, default: str | None) -> list[str | None]:
    """The chunk's platform by row: its column's value, else the file's platform."""
    platform = parsed.column("platform")
    if platform is None:
        return [default] * len(parsed.rows)
    if default:
        return [p or default for p in platform]
    return platform


def _copy_texts(values: list[str]) -> list[str]:
    """Text values escaped for COPY's text format (handles need none: checked once for the chunk)."""
    joined = "".join(values)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [value.translate(_COPY_ESCAPES) for value in values]
    return values


_HASHTAG = re.compile(r"#(\w+)")


_POST_STAGE = "import_stage_posts"
_POST_TEXTS = ("is_sponsored", "caption", "hashtags", "mentions")
_POST_STAGE_COLUMNS = {
    "row": "integer",
    "platform": "text",
    "handle": "text",
    "post_id": "text",
    "posted_at": "bigint",
    "kind": "text",
    **dict.fromkeys(POST_COUNTS, "bigint"),
    "is_sponsored": "boolean",
    "caption": "text",
    "hashtags": "jsonb",
    "mentions": "jsonb",
}
# One statement for a chunk of new posts: the staged rows joined to their accounts once; if any post is
# already stored nothing is written (the row-keyed path merges the chunk); else the posts of known
# accounts are inserted, and the rows of unknown accounts come back (row, platform, handle) to reject.
_POST_INSERT_NEW = f"""
WITH src AS MATERIALIZED (
    SELECT s.*, p.id AS profile_id
    FROM "{_POST_STAGE}" s
    LEFT JOIN discovery_profile p ON p.platform = s.platform AND p.handle = s.handle
), stored AS (
    -- Accounts with no post at all first (a new catalogue: one probe per account, not per row).
    SELECT EXISTS (
        SELECT 1 FROM (SELECT DISTINCT profile_id FROM src) a
        WHERE EXISTS (SELECT 1 FROM discovery_post t WHERE t.profile_id = a.profile_id)
    ) AND EXISTS (
        SELECT 1 FROM src
        JOIN discovery_post t ON t.profile_id = src.profile_id AND t.external_id = src.post_id
    ) AS found
), ins AS (
    INSERT INTO discovery_post (profile_id, external_id, posted_at, kind, {", ".join(POST_COUNTS)},
        is_sponsored, caption, hashtags, mentions, created_at, updated_at)
    SELECT src.profile_id, src.post_id, timestamptz 'epoch' + src.posted_at * interval '1 microsecond',
        src.kind, {", ".join("src." + c for c in POST_COUNTS)},
        src.is_sponsored, src.caption, src.hashtags, src.mentions, now(), now()
    FROM src
    WHERE src.profile_id IS NOT NULL AND NOT (SELECT found FROM stored)
    RETURNING profile_id
)
SELECT (SELECT found FROM stored),
       (SELECT count(*) FROM ins),
       (SELECT array_agg(DISTINCT profile_id) FROM ins),
       (SELECT array_agg(ARRAY["row"::text, platform, handle] ORDER BY "row")
        FROM src WHERE profile_id IS NULL)
"""


def _caption_tags(caption: str) -> list[str]:
    """Hashtags read from a caption (lower-case, first occurrence order), as ``_PostWriter._merge`` does."""
    return [t.lower() for t in dict.fromkeys(_HASHTAG.findall(caption))] if caption else []


def _json_lists(lists: Iterable[list[str] | None]) -> list[str]:
    """Each list as JSON text (a column repeats few distinct lists: each is encoded once)."""
    encoded: dict[tuple[str, ...], str] = {(): "[]"}
    out = []
    for values in lists:
        key = tuple(values or ())
        text = encoded.get(key)
        if text is None:
            text = encoded[key] = json.dumps(list(key), ensure_ascii=False)
        out.append(text)
    return out


class _PostWriter(_Writer):
    """Posts keyed (profile, post id); empty likes mean hidden likes (null), not zero."""

    key_fields = ("handle", "post_id")

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        key = super().key_of(row, record, parsed)
        if key is not None and record.get("posted_at") is None:
            parsed.reject(row, "posted_at", "", "posted_at is required but empty")
            return None
        return key

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        ids = {key: profiles[(key[0], key[1])]["id"] for key in keyed}
        existing: dict[tuple[int, str], dict[str, Any]] = {}
        wanted = {(ids[key], key[2]) for key in keyed}
        profile_ids = sorted(set(ids.values()))
        # By account only: a chunk covers few accounts, and a long IN list over two columns makes
        # SQLite scan; the rows that are not in the file are dropped here.
        for start in range(0, len(profile_ids), BATCH_ROWS):
            for post in Post.objects.filter(profile_id__in=profile_ids[start : start + BATCH_ROWS]).values(
                "profile_id", "external_id", *POST_FIELDS
            ):
                if (post["profile_id"], post["external_id"]) in wanted:
                    existing[(post["profile_id"], post["external_id"])] = post
        statuses: dict[int, str] = {}
        rows: list[tuple[Any, ...]] = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get((ids[key], key[2]))
            new = self._merge(key[0], record, old)
            if old is None:
                statuses[row] = "created"
            elif any(new[f] != old[f] for f in POST_FIELDS):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
                continue
            rows.append((ids[key], key[2], *(new[f] for f in POST_FIELDS)))
        if rows:
            _upsert_rows(
                Post,
                ["profile_id", "external_id", *POST_FIELDS],
                rows,
                unique_fields=["profile", "external_id"],
                update_fields=[*POST_FIELDS, "updated_at"],
            )
        _mark_dirty({ids[k] for k, r in keyed.items() if statuses[r] != "unchanged"})
        return statuses

    def staging(self, parsed: ParsedRows) -> str | None:
        """The chunk in COPY's text format for the staging table, new-post defaults applied (as
        ``_merge`` gives them), straight from the parsed columns; None to decline it (a row lacks a
        key or posted_at, or two rows share a key: the row-keyed path reports those)."""
        size = len(parsed.rows)
        missing = [None] * size
        platform = _platforms(parsed, self.platform)
        handle = parsed.column("handle") or missing
        post_id = parsed.column("post_id") or missing
        posted_at = parsed.column("posted_at") or missing
        if None in platform or None in handle or None in post_id or None in posted_at:
            return None
        if len(set(zip(platform, handle, post_id, strict=True))) < size:
            return None
        try:
            # Microseconds since the epoch (the parsers give aware datetimes).
            micros = [(stamp - _EPOCH) // _MICROSECOND for stamp in posted_at]
        except TypeError:
            micros = pd.to_datetime(posted_at, utc=True).as_unit("us").asi8.tolist()
        kind = [
            DEFAULT_POST_KIND.get(plat, "photo") if k is None else k
            for k, plat in zip(parsed.column("kind") or missing, platform, strict=True)
        ]
        null = "\\N"
        counts = [
            [null if x is None else str(int(x)) for x in (parsed.column(name) or missing)]
            for name in POST_COUNTS
        ]
        sponsored = ["t" if x else "f" for x in parsed.column("is_sponsored") or missing]
        captions = ["" if c is None else c for c in parsed.column("caption") or missing]
        hashtags = _json_lists(
            tags if tags else _caption_tags(caption)
            for tags, caption in zip(parsed.column("hashtags") or missing, captions, strict=True)
        )
        mentions = _json_lists(parsed.column("mentions") or missing)
        columns = [
            [str(row) for row in parsed.rows],
            platform,
            _copy_texts(handle),
            _copy_texts(post_id),
            [str(m) for m in micros],
            kind,
            *counts,
            sponsored,
            _copy_texts(captions),
            _copy_texts(hashtags),
            _copy_texts(mentions),
        ]
        return "".join("\t".join(values) + "\n" for values in zip(*columns, strict=True))

    def write_set_based(self, parsed: ParsedRows) -> Counter[str] | None:
        """A chunk of new posts: COPY into a staging table, then one statement that inserts them unless
        one is already stored.

        Declines (the row-keyed path merges) when any post of the chunk is already stored, so the
        merge rules of ``_merge`` for updates stay in one place.
        """
        text = self.staged(parsed)
        if text is None:
            return None
        stage_text(_POST_STAGE, _POST_STAGE_COLUMNS, text)
        with connection.cursor() as cursor:
            cursor.execute(_POST_INSERT_NEW)
            any_stored, created, touched, unknown = cursor.fetchone()
        if any_stored:
            return None
        for row, platform, handle in unknown or ():
            parsed.reject(
                int(row),
                "handle",
                handle,
                f"no {platform} account '{handle}' in the catalogue; import its profile first",
            )
        _mark_dirty(set(touched or ()))
        return Counter(created=created)

    def _merge(self, platform: str, record: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        """Given columns replace stored values (an empty count is unknown/hidden); others are kept."""
        new = dict(old) if old else {}
        new.pop("profile_id", None)
        new.pop("external_id", None)
        new["posted_at"] = record["posted_at"]
        for name in POST_COUNTS:
            if name in record or old is None:
                new[name] = record.get(name)
        defaults = {
            "kind": DEFAULT_POST_KIND.get(platform, "photo"),
            "is_sponsored": False,
            "caption": "",
            "hashtags": [],
            "mentions": [],
        }
        for name, default in defaults.items():
            value = record.get(name)
            if value not in (None, "") and (value != [] or old is None):
                new[name] = value
            elif old is None:
                new[name] = default
        if not new["hashtags"] and new["caption"]:
            new["hashtags"] = [t.lower() for t in dict.fromkeys(_HASHTAG.findall(new["caption"]))]
        return new


class _FollowerSampleWriter(_Writer):
    """Follower samples keyed (account, follower username)."""

    key_fields = ("handle", "follower_username")

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        ids = {key: profiles[(key[0], key[1])]["id"] for key in keyed}
        fields = list(SAMPLE_FIELDS.values())
        existing = {
            (item["profile_id"], item["username"]): item
            for item in FollowerSample.objects.filter(
                profile_id__in=set(ids.values()), username__in={k[2] for k in keyed}
            ).values("profile_id", "username", *fields)
        }
        statuses: dict[int, str] = {}
        objects = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get((ids[key], key[2]))
            new = {
                model: record.get(canon) if record.get(canon) is not None else (old or {}).get(model)
                for canon, model in SAMPLE_FIELDS.items()
            }
            if old is None:
                statuses[row] = "created"
            elif any(new[f] != old[f] for f in fields):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
                continue
            objects.append(FollowerSample(profile_id=ids[key], username=key[2], **new))
        if objects:
            _bulk_upsert(
                FollowerSample,
                objects,
                unique_fields=["profile", "username"],
                update_fields=[*fields, "updated_at"],
            )
        _mark_dirty({ids[k] for k, r in keyed.items() if statuses[r] != "unchanged"})
        return statuses


WRITERS: dict[str, type[_Writer]] = {
    "profiles": _ProfileWriter,
    "snapshots": _SnapshotWriter,
    "posts": _PostWriter,
    "followers": _FollowerSampleWriter,
}
