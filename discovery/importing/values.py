"""Cell parsers: numbers with k/m/b suffixes, percentages, missing markers, handles, countries, dates.

Each parser takes the raw text of one cell and returns a Python value, ``None`` for a missing value,
or raises :class:`ValueProblem` with a sentence saying what is wrong.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from urllib.parse import urlparse

from django.utils.text import slugify

# Spreadsheet and vendor spellings of "no value" (compared lower-case, quotes stripped).
MISSING_MARKERS = frozenset(
    {
        "",
        "nan",
        "nan%",
        "n/a",
        "na",
        "n.a.",
        "none",
        "null",
        "nil",
        "-",
        "--",
        "—",
        "?",
        "#n/a",
        "#na",
        "#valor!",
        "#value!",
        "#name?",
        "#nome?",
        "#ref!",
        "#div/0!",
        "#num!",
        "#null!",
        "#nv",
        "#wert!",
    }
)
# Counts above this are not real accounts or posts (the largest accounts have under 1e9 followers).
MAX_COUNT = 10_000_000_000
SUFFIX_FACTORS = {
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "mm": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}
_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(k|m|mn|mm|b|bn)?$")
HANDLE = re.compile(r"^[a-z0-9._-]{1,150}$")
# Stored handles: any letters (YouTube allows non-Latin handles), digits, '.', '_' and '-'.
STORED_HANDLE = re.compile(r"^[\w.-]{1,150}$")
_HANDLE_HOSTS = ("instagram.com", "tiktok.com", "youtube.com", "youtu.be", "twitter.com", "x.com")


class ValueProblem(ValueError):
    """A cell that cannot be read; the message says why, for the row's error entry."""


def clean(raw: object) -> str:
    """Cell text without surrounding whitespace and stray quotes."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    text = str(raw).strip()
    # Spreadsheet exports leave a quote that forced text ("N/A'", "'0012").
    return text.strip("'\u2019").strip()


def is_missing(raw: object) -> bool:
    """True for empty cells and missing markers (NaN, N/A, -, Excel errors such as #VALOR!)."""
    return clean(raw).lower() in MISSING_MARKERS


def parse_number(raw: object) -> float | None:
    """``3.3k`` -> 3300.0, ``1,234`` -> 1234.0, ``1.39%`` -> 1.39, ``4.7e6`` -> 4700000.0; missing -> None."""
    if isinstance(raw, bool):
        raise ValueProblem("is a true/false value, not a number")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and math.isnan(raw):
            return None
        if isinstance(raw, float) and math.isinf(raw):
            raise ValueProblem("is not a finite number")
        return float(raw)
    text = clean(raw).lower()
    if text in MISSING_MARKERS:
        return None
    text = text.replace(",", "").replace("_", "").replace("\u00a0", "").replace(" ", "").rstrip("%")
    match = _NUMBER.match(text)
    if not match:
        raise ValueProblem("is not a number")
    suffix = match.group(2)
    # Decimal arithmetic, so 4.1m is exactly 4100000 (float gives 4099999.9999999995).
    value = float(Decimal(match.group(1)) * SUFFIX_FACTORS[suffix]) if suffix else float(match.group(1))
    if math.isinf(value) or math.isnan(value):
        raise ValueProblem("is not a finite number")
    return value


def parse_count(raw: object) -> int | None:
    """A non-negative whole count (followers, likes...), accepting k/m/b and ``477900000.00``."""
    value = parse_number(raw)
    if value is None:
        return None
    if value < 0:
        raise ValueProblem("is negative; counts cannot be below zero")
    if value > MAX_COUNT:
        raise ValueProblem(f"is absurdly large (over {MAX_COUNT:,})")
    return round(value)


def parse_amount(raw: object) -> float | None:
    """A non-negative average (avg likes, avg views) as a float."""
    value = parse_number(raw)
    if value is None:
        return None
    if value < 0:
        raise ValueProblem("is negative; averages of counts cannot be below zero")
    if value > MAX_COUNT:
        raise ValueProblem(f"is absurdly large (over {MAX_COUNT:,})")
    return value


def parse_percent(raw: object) -> float | None:
    """A percentage between 0 and 100 (``45``, ``45%``, ``1.39%``)."""
    value = parse_number(raw)
    if value is None:
        return None
    if not 0 <= value <= 100:
        raise ValueProblem("is not a percentage between 0 and 100")
    return value


def parse_rate(raw: object) -> float | None:
    """A rate in percent, non-negative (engagement rates above 100 % exist on TikTok)."""
    value = parse_number(raw)
    if value is None:
        return None
    if value < 0 or value > 100_000:
        raise ValueProblem("is not a plausible rate in percent")
    return value


_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0", "x", "verified", "private", "oui", "ja", "si", "sí"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0", "public", "non", "nein"})


def parse_bool(raw: object) -> bool | None:
    """true/false, yes/no, 1/0, x; missing -> None."""
    if isinstance(raw, bool):
        return raw
    text = clean(raw).lower()
    if text in MISSING_MARKERS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueProblem("is not a yes/no value (use true or false)")


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d", "%d %b %Y", "%d %B %Y")


def parse_date(raw: object, *, today: dt.date | None = None) -> dt.date | None:
    """An ISO (or day-first) date, not in the future; missing -> None."""
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        text = clean(raw)
        if text.lower() in MISSING_MARKERS:
            return None
        value = _date_from_text(text)
    limit = (today or dt.datetime.now(tz=dt.UTC).date()) + dt.timedelta(days=1)
    if value > limit:
        raise ValueProblem("is in the future")
    if value.year < 2000:
        raise ValueProblem("is before 2000, which is not plausible for social media data")
    return value


def _date_from_text(text: str) -> dt.date:
    """Parse a date in one of the accepted formats, or an ISO timestamp's date."""
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else _strptime(text)
    except ValueError as exc:
        raise ValueProblem("is not a date (use YYYY-MM-DD)") from exc


def _strptime(text: str) -> dt.date:
    """Try the accepted date formats in order."""
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a date, no time zone involved
        except ValueError:
            continue
    raise ValueError(text)


def parse_datetime(raw: object, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset; naive means UTC), not in the future; missing -> None."""
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        text = clean(raw)
        if text.lower() in MISSING_MARKERS:
            return None
        if re.fullmatch(r"\d{9,11}", text):
            value = dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
        else:
            try:
                value = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            except ValueError as exc:
                raise ValueProblem("is not a date-time (use ISO 8601, e.g. 2026-01-31T18:00:00Z)") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    limit = (now or dt.datetime.now(tz=dt.UTC)) + dt.timedelta(days=1)
    if value > limit:
        raise ValueProblem("is in the future")
    if value.year < 2000:
        raise ValueProblem("is before 2000, which is not plausible for social media data")
    return value


def parse_handle(raw: object) -> str | None:
    """A lower-case handle from ``@Foo``, ``foo`` or a profile URL (``https://www.instagram.com/Foo/``)."""
    text = clean(raw)
    if text.lower() in MISSING_MARKERS:
        return None
    lowered = text.lower()
    if "/" in lowered and any(host in lowered for host in _HANDLE_HOSTS):
        url = urlparse(text if "://" in text else "https://" + text)
        parts = [p for p in url.path.split("/") if p]
        # youtube.com/c/Name, /user/Name, /channel/UC..., tiktok.com/@name/video/1
        while parts and parts[0].lower() in {"c", "user", "channel"} and len(parts) > 1:
            parts = parts[1:]
        text = parts[0] if parts else ""
    handle = text.strip().lstrip("@").lower()
    if not handle:
        raise ValueProblem("holds no handle")
    if handle in MISSING_MARKERS:
        # Stored, "null" would read back as a missing value in every later file: refuse it loudly.
        raise ValueProblem("reads as a missing-value marker, not a handle; it cannot be stored unambiguously")
    if not STORED_HANDLE.match(handle):
        raise ValueProblem(
            "is not a handle (letters, digits, '.', '_' and '-' only, no spaces); "
            "a display name is not a handle: give the @handle or the profile URL"
        )
    return handle


def looks_like_handle(raw: object) -> bool:
    """True for values that read as a handle as written (lower-case, no spaces): used to sniff columns."""
    text = clean(raw)
    return bool(text) and text == text.lower().lstrip("@") and bool(HANDLE.match(text.lstrip("@")))


def parse_text(raw: object, *, max_length: int | None = None) -> str:
    """Trimmed text; missing markers become ''."""
    text = "" if raw is None else str(raw).strip()
    if text.lower() in {"nan", "#n/a", "#valor!", "#value!", "#name?"}:
        return ""
    if max_length is not None and len(text) > max_length:
        raise ValueProblem(f"is longer than {max_length} characters")
    return text


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1 (``C\u00c3\u00b4te`` -> ``C\u00f4te``) when that is what happened."""
    if "Ã" not in text and "Â" not in text:
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


# ISO 3166-1 alpha-2 codes by the names vendors use (lower-case, accents kept where common).
COUNTRIES = {
    "afghanistan": "AF", "albania": "AL", "algeria": "DZ", "andorra": "AD", "angola": "AO",
    "anguilla": "AI", "argentina": "AR", "armenia": "AM", "australia": "AU", "austria": "AT",
    "azerbaijan": "AZ", "bahamas": "BS", "bahrain": "BH", "bangladesh": "BD", "belarus": "BY",
    "belgium": "BE", "bolivia": "BO", "bosnia and herzegovina": "BA", "brazil": "BR", "brasil": "BR",
    "british virgin islands": "VG", "bulgaria": "BG", "cambodia": "KH", "cameroon": "CM", "canada": "CA",
    "chile": "CL", "china": "CN", "colombia": "CO", "costa rica": "CR", "croatia": "HR", "cuba": "CU",
    "cyprus": "CY", "czech republic": "CZ", "czechia": "CZ", "denmark": "DK", "dominican republic": "DO",
    "ecuador": "EC", "egypt": "EG", "el salvador": "SV", "estonia": "EE", "ethiopia": "ET", "finland": "FI",
    "france": "FR", "georgia": "GE", "germany": "DE", "deutschland": "DE", "ghana": "GH", "greece": "GR",
    "guatemala": "GT", "honduras": "HN", "hong kong": "HK", "hungary": "HU", "iceland": "IS", "india": "IN",
    "indonesia": "ID", "iran": "IR", "iraq": "IQ", "ireland": "IE", "israel": "IL", "italy": "IT",
    "italia": "IT", "ivory coast": "CI", "côte d'ivoire": "CI", "cote d'ivoire": "CI", "jamaica": "JM",
    "japan": "JP", "jordan": "JO", "kazakhstan": "KZ", "kenya": "KE", "kuwait": "KW", "latvia": "LV",
    "lebanon": "LB", "libya": "LY", "lithuania": "LT", "luxembourg": "LU", "malaysia": "MY", "malta": "MT",
    "mexico": "MX", "méxico": "MX", "moldova": "MD", "monaco": "MC", "mongolia": "MN", "montenegro": "ME",
    "morocco": "MA", "nepal": "NP", "netherlands": "NL", "the netherlands": "NL", "holland": "NL",
    "new zealand": "NZ", "nicaragua": "NI", "nigeria": "NG", "north macedonia": "MK", "norway": "NO",
    "oman": "OM", "pakistan": "PK", "panama": "PA", "paraguay": "PY", "peru": "PE", "philippines": "PH",
    "poland": "PL", "portugal": "PT", "puerto rico": "PR", "qatar": "QA", "romania": "RO", "russia": "RU",
    "russian federation": "RU", "saudi arabia": "SA", "senegal": "SN", "serbia": "RS", "singapore": "SG",
    "slovakia": "SK", "slovenia": "SI", "somalia": "SO", "south africa": "ZA", "south korea": "KR",
    "korea": "KR", "republic of korea": "KR", "spain": "ES", "españa": "ES", "sri lanka": "LK",
    "sweden": "SE", "switzerland": "CH", "syria": "SY", "taiwan": "TW", "tanzania": "TZ", "thailand": "TH",
    "tunisia": "TN", "turkey": "TR", "türkiye": "TR", "turkiye": "TR", "uganda": "UG", "ukraine": "UA",
    "united arab emirates": "AE", "uae": "AE", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "britain": "GB", "united states": "US",
    "united states of america": "US", "usa": "US", "us": "US", "america": "US", "uruguay": "UY",
    "uzbekistan": "UZ", "venezuela": "VE", "vietnam": "VN", "viet nam": "VN", "yemen": "YE",
    "zambia": "ZM", "zimbabwe": "ZW",
}  # fmt: skip
ISO_CODES = frozenset(COUNTRIES.values()) | frozenset(
    {"AE", "AT", "BE", "CH", "CZ", "DK", "FI", "GR", "HU", "IE", "NO", "NZ", "PT", "RO", "SK", "ZA"}
)


def parse_country(raw: object) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or a country name; missing -> None."""
    text = fix_mojibake(clean(raw))
    if text.lower() in MISSING_MARKERS:
        return None
    if len(text) == 2 and text.isalpha():
        code = text.upper()
        if code == "UK":
            return "GB"
        if code in ISO_CODES:
            return code
    code = COUNTRIES.get(" ".join(text.lower().replace("\u2019", "'").split()))
    if code is None:
        raise ValueProblem("is not a country we recognise")
    return code


def parse_audience_countries(raw: object) -> dict[str, float]:
    """``GB:45;US:20`` -> {"GB": 45.0, "US": 20.0}; missing -> {}."""
    text = clean(raw)
    if text.lower() in MISSING_MARKERS:
        return {}
    shares: dict[str, float] = {}
    for part in re.split(r"[;|,]", text):
        if not part.strip():
            continue
        name, sep, share = part.rpartition(":")
        if not sep:
            raise ValueProblem("is not a list of COUNTRY:PERCENT pairs (e.g. GB:45;US:20)")
        code = parse_country(name)
        pct = parse_percent(share)
        if code is None or pct is None:
            raise ValueProblem("is not a list of COUNTRY:PERCENT pairs (e.g. GB:45;US:20)")
        shares[code] = pct
    if sum(shares.values()) > 100.5:
        raise ValueProblem("has audience shares adding up to more than 100 %")
    return shares


def split_list(raw: object) -> list[str]:
    """``Beauty; Fashion`` -> ["Beauty", "Fashion"] (separators ``;`` and ``|``)."""
    text = clean(raw)
    if text.lower() in MISSING_MARKERS:
        return []
    return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]


def parse_hashtags(raw: object) -> list[str]:
    """``#travel #food``, ``travel;food`` or ``["travel"]`` -> ["travel", "food"] (lower-case, no #)."""
    if isinstance(raw, list):
        items = [str(x) for x in raw]
    else:
        text = clean(raw)
        if text.lower() in MISSING_MARKERS:
            return []
        items = re.split(r"[;,|\s]+", text.strip("[]"))
    tags = []
    for item in items:
        tag = item.strip().strip("\"'").lstrip("#").lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


_KINDS = {
    "photo": "photo", "image": "photo", "picture": "photo", "graphimage": "photo",
    "carousel": "carousel", "sidecar": "carousel", "album": "carousel", "graphsidecar": "carousel",
    "video": "video", "igtv": "video", "graphvideo": "video", "clip": "reel", "clips": "reel",
    "reel": "reel", "reels": "reel", "story": "story", "stories": "story",
    "short": "short", "shorts": "short",
}  # fmt: skip


def parse_post_kind(raw: object) -> str | None:
    """A post kind (photo, carousel, video, reel, story, short) from common vendor spellings."""
    text = clean(raw).lower().replace("_", "").replace(" ", "")
    if text in MISSING_MARKERS:
        return None
    kind = _KINDS.get(text)
    if kind is None:
        raise ValueProblem("is not a post kind (photo, carousel, video, reel, story or short)")
    return kind


def parse_platform(raw: object) -> str | None:
    """instagram, tiktok or youtube from common spellings ("IG", "YouTube", "tik tok")."""
    text = re.sub(r"[^a-z]", "", clean(raw).lower())
    if not text or text in {"nan", "na", "none"}:
        return None
    for platform, names in PLATFORM_NAMES.items():
        if text in names:
            return platform
    raise ValueProblem("is not a platform (instagram, tiktok or youtube)")


PLATFORM_NAMES = {
    "instagram": {"instagram", "ig", "insta"},
    "tiktok": {"tiktok", "tt", "douyin"},
    "youtube": {"youtube", "yt"},
}


def niche_slug(name: str) -> str:
    """The slug under which a category name is stored as a Niche."""
    return slugify(name)[:120] or "other"
