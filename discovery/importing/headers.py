"""Header recognition: canonical columns per kind, synonyms, value sniffing, and explicit mappings.

A mapping is ``canonical field -> [column positions]``: several columns may feed one field (a
vendor's ``475.8m`` next to its exact ``475800000``: the exact one is tried first; ``category_1``
and ``category_2`` both feed ``niches``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from discovery.importing import values as v

KINDS = ("profiles", "snapshots", "posts", "followers")


@dataclass(frozen=True)
class Field:
    """A canonical column: how its cells are parsed and which headers mean it."""

    name: str
    parser: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    merge: bool = False  # every mapped column contributes (niches), instead of the first non-missing


def _f(name: str, parser: str, *synonyms: str, required: bool = False, merge: bool = False) -> Field:
    return Field(name, parser, (name, *synonyms), required, merge)


_PLATFORM = _f("platform", "platform", "network", "socialnetwork", "site", "channeltype")
_HANDLE = _f(
    "handle", "handle", "username", "user", "account", "accountname", "screenname", "channelinfo",
    "channelhandle", "profileurl", "instagramhandle", "tiktokhandle", "youtubehandle", "accounthandle",
    required=True,
)  # fmt: skip
_FOLLOWERS = _f(
    "followers", "count", "followerscount", "followercount", "followersnumbers", "nfollowers", "subscribers",
    "subscriberscount", "subscribercount", "subs", "fans", "fanscount", "followerstotal",
)  # fmt: skip
_FOLLOWING = _f("following", "count", "followingcount", "follows", "followscount")
_POSTS = _f(
    "posts_count", "count", "posts", "postscount", "postcount", "media", "mediacount", "videos", "uploads"
)

FIELDS: dict[str, dict[str, Field]] = {
    "profiles": {
        f.name: f
        for f in [
            _PLATFORM,
            _HANDLE,
            _f("name", "text", "displayname", "fullname", "realname", "influencername", "creatorname"),
            _f("bio", "text", "biography", "description", "about"),
            _f("country", "country", "creatorcountry", "location", "countrycode", "nationality"),
            _f("language", "text", "lang", "languagecode"),
            _f(
                "niches",
                "niches",
                "niche",
                "category",
                "categories",
                "category1",
                "category2",
                "category3",
                "topic",
                "topics",
                "genre",
                "genres",
                merge=True,
            ),
            _FOLLOWERS,
            _FOLLOWING,
            _POSTS,
            _f("avg_likes", "amount", "avglikes", "likesavg", "averagelikes", "likesaverage", "meanlikes"),
            _f("avg_comments", "amount", "avgcomments", "commentsavg", "averagecomments", "commentsaverage"),
            _f("avg_views", "amount", "avgviews", "viewsavg", "averageviews", "viewsaverage", "meanviews"),
            _f("avg_shares", "amount", "avgshares", "sharesavg", "averageshares", "sharesaverage"),
            _f(
                "avg_engagements",
                "amount",
                "engagementavg",
                "engagementaverage",
                "engavg",
                "avgengagement",
                "averageengagement",
                "avgengagements",
                "engagementsavg",
            ),
            _f(
                "imported_er",
                "rate",
                "engagementrate",
                "engrate",
                "er",
                "60dengrate",
                "60dayengrate",
                "erpct",
            ),
            _f("verified", "bool", "isverified", "blue", "checkmark"),
            _f("email", "email", "emailaddress", "contactemail", "mail"),
            _f("url", "url", "link", "profilelink", "website"),
            _f("snapshot_date", "date", "date", "asof", "statsasof", "capturedon", "snapshot"),
            _f("audience_countries", "audience", "audiencecountries", "audiencebycountry"),
            _f(
                "audience_main_country",
                "country",
                "audiencecountry",
                "audiencecountrymostly",
                "topaudiencecountry",
                "mainaudiencecountry",
            ),
            _f(
                "audience_female_pct", "percent", "audiencefemalepct", "femalepct", "female", "audiencefemale"
            ),
            _f("audience_age_main", "age", "audienceagemain", "mainage", "audienceage", "topage"),
        ]
    },
    "snapshots": {
        f.name: f
        for f in [
            _PLATFORM,
            _HANDLE,
            _f("date", "date", "snapshotdate", "capturedon", "day", "asof", required=True),
            Field(_FOLLOWERS.name, "count", _FOLLOWERS.synonyms, required=True),
            _FOLLOWING,
            _POSTS,
        ]
    },
    "posts": {
        f.name: f
        for f in [
            _PLATFORM,
            _HANDLE,
            _f(
                "post_id",
                "text",
                "postid",
                "id",
                "externalid",
                "mediaid",
                "shortcode",
                "videoid",
                "code",
                required=True,
            ),
            _f(
                "posted_at",
                "datetime",
                "postedat",
                "date",
                "timestamp",
                "createdat",
                "publishedat",
                "takenat",
                "time",
                "datetime",
                required=True,
            ),
            _f("kind", "kind", "type", "mediatype", "posttype", "format"),
            _f("likes", "count", "likecount", "likescount", "hearts", "diggcount"),
            _f("comments", "count", "commentcount", "commentscount"),
            _f("shares", "count", "sharecount", "sharescount", "reposts"),
            _f("saves", "count", "savecount", "savescount", "saved", "bookmarks"),
            _f(
                "views", "count", "viewcount", "viewscount", "plays", "playcount", "videoviews", "impressions"
            ),
            _f("is_sponsored", "bool", "sponsored", "paid", "ad", "isad", "paidpartnership", "branded"),
            _f("caption", "text", "text", "description", "title", "body"),
            _f("hashtags", "hashtags", "tags", "hashtag"),
            _f("mentions", "hashtags", "usermentions", "taggedusers"),
        ]
    },
    "followers": {
        f.name: f
        for f in [
            _PLATFORM,
            _f("handle", "handle", "account", "accounthandle", "profile", "influencer", required=True),
            _f(
                "follower_username",
                "handle",
                "followerusername",
                "follower",
                "followerhandle",
                "username",
                required=True,
            ),
            _f("follower_posts", "count", "followerposts", "posts", "postscount", "mediacount"),
            _f("follower_following", "count", "followerfollowing", "following", "followingcount", "follows"),
            _f("follower_followers", "count", "followerfollowers", "followers", "followerscount"),
            _f("has_profile_picture", "bool", "hasprofilepicture", "profilepicture", "haspicture", "avatar"),
            _f("is_private", "bool", "isprivate", "private"),
        ]
    },
}

# Headers that mean "display name or handle": the values decide which (the 2022 files swap them).
NAMEISH = frozenset(
    {
        "name", "instagramname", "influencerinstaname", "influencername", "tiktokername", "tiktokname",
        "tiktoker", "youtubername", "youtuber", "youtubechannel", "channelname", "channel", "creator",
        "influencer", "instaname", "accountname",
    }
)  # fmt: skip
# Columns vendors add that we knowingly do not store (ranks, vendor scores, totals, duplicated metrics).
IGNORED = frozenset(
    {
        "rank", "sno", "no", "nr", "number", "rowcell", "row", "index", "unnamed0", "influencescore",
        "totallikes", "newpostavglike", "authenticengagement", "authenticengagementvalues", "engauth",
        "authenticengagementaverage", "score", "position", "error", "errors", "reason",
    }
)  # fmt: skip
_SUFFIXES = ("values", "value", "numbers", "number")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class MappingError(ValueError):
    """The columns cannot be mapped (unknown or missing columns); nothing has been written."""


def normalise(header: str) -> str:
    """Case, spaces, line breaks and punctuation ignored: ``'Eng. (Avg.)\\n'`` -> ``'engavg'``."""
    return re.sub(r"[^0-9a-z]", "", v.fix_mojibake(str(header)).lower())


@dataclass
class ColumnMapping:
    """Which file columns feed which canonical field, and what the mapper noticed."""

    kind: str
    headers: list[str]
    fields: dict[str, list[int]] = field(default_factory=dict)
    ignored: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def by_name(self) -> dict[str, list[str]]:
        """Canonical field -> header names (for display and for a mapping file)."""
        return {name: [self.headers[i] for i in cols] for name, cols in self.fields.items()}

    def column_label(self, position: int) -> str:
        """The header of a column as the admin sees it (line breaks shown as spaces)."""
        return " ".join(self.headers[position].split()) or f"column {position + 1}"

    def missing_required(self, *, platform_known: bool, date_known: bool) -> list[str]:
        """Required canonical fields that no column feeds."""
        missing = [
            f.name
            for f in FIELDS[self.kind].values()
            if f.required and f.name not in self.fields and not (f.name == "date" and date_known)
        ]
        if not platform_known and "platform" not in self.fields:
            missing.insert(0, "platform")
        return missing

    def validate(self, *, platform_known: bool, date_known: bool) -> None:
        """Raise MappingError for unknown columns or missing required fields."""
        problems = []
        if self.unknown:
            labels = ", ".join(f"'{self.column_label(i)}' (column {i + 1})" for i in self.unknown)
            problems.append(
                f"Unknown column(s): {labels}. Map them with a mapping file "
                '(e.g. {"followers": "<header>"}) or list them under "_ignore".'
            )
        missing = self.missing_required(platform_known=platform_known, date_known=date_known)
        if missing:
            hint = {
                "platform": " (add a platform column or choose the platform for the whole file)",
                "date": " (add a date column or give the snapshot date for the whole file)",
            }
            problems.append(
                "Missing required column(s): " + ", ".join(f"{m}{hint.get(m, '')}" for m in missing) + "."
            )
        if problems:
            raise MappingError(" ".join(problems))


def _lookup(kind: str, norm: str) -> str | None:
    """The canonical field whose name or synonym is ``norm``."""
    for spec in FIELDS[kind].values():
        if norm in spec.synonyms or norm == normalise(spec.name):
            return spec.name
    return None


def _non_missing(sample: list[list[Any]], position: int) -> list[Any]:
    """Sample values of one column, without missing markers."""
    return [row[position] for row in sample if position < len(row) and not v.is_missing(row[position])]


def _share(values: list[Any], test: Any) -> float:
    """Fraction of values for which ``test`` is true (0 for no values)."""
    return sum(1 for x in values if test(x)) / len(values) if values else 0.0


def _is_country(raw: Any) -> bool:
    try:
        return v.parse_country(raw) is not None
    except v.ValueProblem:
        return False


def _is_number(raw: Any) -> bool:
    try:
        return v.parse_number(raw) is not None
    except v.ValueProblem:
        return False


def propose_mapping(kind: str, headers: list[str], sample: list[list[Any]]) -> ColumnMapping:
    """Map headers to canonical fields using names, synonyms and the sample values."""
    if kind not in FIELDS:
        raise MappingError(f"Unknown import kind {kind!r}; use one of {', '.join(KINDS)}.")
    mapping = ColumnMapping(kind=kind, headers=list(headers))
    nameish: list[int] = []
    for position, header in enumerate(headers):
        norm = normalise(header)
        target = _lookup(kind, norm)
        if target is None and norm.endswith(_SUFFIXES):
            target = _lookup(kind, re.sub(r"(values|value|numbers|number)$", "", norm))
        if norm in NAMEISH and kind in {"profiles", "snapshots", "posts"}:
            nameish.append(position)
        elif target is not None:
            mapping.fields.setdefault(target, []).append(position)
        elif (
            norm in IGNORED
            or re.sub(r"(values|value|numbers|number)$", "", norm) in IGNORED
            or (not norm and not _non_missing(sample, position))
        ):
            mapping.ignored.append(position)
        else:
            mapping.unknown.append(position)
    _assign_nameish(mapping, nameish, sample)
    _detect_shifted_header(mapping, sample)
    order_exact_first(mapping, sample)
    return mapping


def _assign_nameish(mapping: ColumnMapping, nameish: list[int], sample: list[list[Any]]) -> None:
    """Decide which "name" column holds handles (no spaces, lower-case) and which the display name."""
    if not nameish:
        return
    scores = {p: _share(_non_missing(sample, p), v.looks_like_handle) for p in nameish}
    if "handle" not in mapping.fields:
        ranked = sorted(nameish, key=lambda p: (-scores[p], p))
        best = ranked[0]
        runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
        # Clear majority, or (YouTube: legacy names like "PewDiePie") clearly more handle-like than its twin.
        if scores[best] >= 0.5 or (len(ranked) > 1 and scores[best] >= 0.1 and scores[best] >= 2 * runner_up):
            mapping.fields["handle"] = [best]
            nameish = [p for p in nameish if p != best]
            if mapping.headers[best].strip().lower() != "handle":
                mapping.notes.append(
                    f"'{mapping.column_label(best)}' holds handles ({scores[best]:.0%} of the sampled values "
                    "look like handles), so it is read as the handle."
                )
    if "name" in FIELDS[mapping.kind] and nameish:
        mapping.fields.setdefault("name", []).extend(sorted(nameish, key=lambda p: scores[p]))
    else:
        mapping.ignored.extend(nameish)


def _detect_shifted_header(mapping: ColumnMapping, sample: list[list[Any]]) -> None:
    """A numeric column holding country names means the header is shifted (the 2022 June Instagram file).

    That file's header reads ``Views avg., Likes avg, Comments avg.`` over the HypeAuditor layout
    ``audience country, authentic engagement, engagement average``.
    """
    if mapping.kind != "profiles":
        return
    for name in ("avg_views", "avg_likes", "avg_comments", "avg_shares", "followers"):
        for position in list(mapping.fields.get(name, [])):
            values = _non_missing(sample, position)
            if _share(values, _is_country) < 0.6 or _share(values, _is_number) > 0.2:
                continue
            mapping.fields[name].remove(position)
            if not mapping.fields[name]:
                del mapping.fields[name]
            mapping.fields.setdefault("audience_main_country", []).append(position)
            label = mapping.column_label(position)
            note = f"'{label}' holds country names, not numbers: read as the audience country"
            if name == "avg_views" and "avg_likes" in mapping.fields and "avg_comments" in mapping.fields:
                # The columns after it are shifted too: authentic engagement, then engagement average.
                mapping.ignored.extend(mapping.fields.pop("avg_likes"))
                mapping.fields.setdefault("avg_engagements", []).extend(mapping.fields.pop("avg_comments"))
                note += (
                    "; the header looks shifted, so the 'likes' columns are read as authentic engagement "
                    "(not stored) and the 'comments' columns as average engagement"
                )
            mapping.notes.append(note + ".")


def order_exact_first(mapping: ColumnMapping, sample: list[list[Any]]) -> None:
    """Among twin numeric columns, try the one holding exact numbers (``475800000``) before ``475.8m``."""
    for name, positions in mapping.fields.items():
        spec = FIELDS[mapping.kind][name]
        if len(positions) < 2 or spec.parser not in {"count", "amount", "rate", "percent"}:
            continue
        exactness = {
            p: _share(
                _non_missing(sample, p), lambda x: bool(_PLAIN_NUMBER.match(v.clean(x).replace(",", "")))
            )
            for p in positions
        }
        positions.sort(key=lambda p: -exactness[p])


def apply_overrides(mapping: ColumnMapping, overrides: dict[str, Any]) -> ColumnMapping:
    """Apply an explicit mapping ``{canonical: header or [headers], "_ignore": [headers]}``."""
    if not isinstance(overrides, dict):
        raise MappingError('The mapping must be a JSON object such as {"handle": "Youtuber"}.')
    by_norm: dict[str, list[int]] = {}
    for position, header in enumerate(mapping.headers):
        by_norm.setdefault(normalise(header), []).append(position)

    def positions_of(header: Any) -> list[int]:
        if isinstance(header, int) and 0 <= header < len(mapping.headers):
            return [header]
        found = by_norm.get(normalise(str(header)))
        if not found:
            raise MappingError(f"The mapping names a column {header!r} that is not in the file.")
        return found

    def release(positions: list[int]) -> None:
        for cols in mapping.fields.values():
            cols[:] = [c for c in cols if c not in positions]
        mapping.ignored[:] = [c for c in mapping.ignored if c not in positions]
        mapping.unknown[:] = [c for c in mapping.unknown if c not in positions]

    for canonical, target in overrides.items():
        headers = target if isinstance(target, list) else [target]
        if canonical == "_ignore":
            chosen = [p for h in headers for p in positions_of(h)]
            release(chosen)
            mapping.ignored.extend(chosen)
            continue
        if canonical not in FIELDS[mapping.kind]:
            raise MappingError(
                f"The mapping names {canonical!r}, which is not a {mapping.kind} column; "
                f"known columns: {', '.join(FIELDS[mapping.kind])}."
            )
        chosen = [p for h in headers if h not in (None, "") for p in positions_of(h)]
        release(chosen)
        if chosen:
            mapping.fields[canonical] = chosen
        else:
            mapping.fields.pop(canonical, None)
    mapping.fields = {k: cols for k, cols in mapping.fields.items() if cols}
    mapped = {p for cols in mapping.fields.values() for p in cols} | set(mapping.ignored)
    for position in range(len(mapping.headers)):
        if position not in mapped and position not in mapping.unknown:
            mapping.ignored.append(position)
    mapping.notes.append("An explicit mapping was applied.")
    return mapping


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ]
    )
    for m in names
}  # fmt: skip


def infer_platform(file_name: str, headers: list[str]) -> str | None:
    """instagram/tiktok/youtube from the file name, else from the headers; None when unclear."""
    for text in (file_name.lower(), " ".join(headers).lower()):
        found = {
            platform
            for platform, words in {
                "instagram": ("insta",),
                "tiktok": ("tiktok",),
                "youtube": ("youtub",),
            }.items()
            if any(w in text for w in words)
        }
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            return None
    return None


def infer_snapshot_date(file_name: str) -> dt.date | None:
    """The 1st of the month for names like ``june 2022``, ``-DEC 2022``, ``sep-2022``; or an ISO date."""
    name = file_name.lower()
    iso = re.search(r"(20\d\d)-(\d\d)-(\d\d)", name)
    if iso:
        try:
            return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    match = re.search(r"(?<![a-z])([a-z]{3,9})[\s_.-]*(20\d\d)", name)
    if match and match.group(1) in _MONTHS:
        return dt.date(int(match.group(2)), _MONTHS[match.group(1)], 1)
    return None
