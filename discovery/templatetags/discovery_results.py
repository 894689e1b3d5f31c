"""The search results table's rows, rendered in Python from plain rows.

The template language cost ~0.3 ms a row here (about 50 variable lookups and filters per row), more
than reading the row. ``templates/discovery/partials/_result_row.html`` is the reference markup (the
same row from a Profile); ``tests/discovery/test_result_rows.py`` keeps the two equal. The number
formats are Django's own filters (``floatformat``, ``intcomma``, ``prov``), called directly.
"""

from __future__ import annotations

import functools
import html
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from discovery.models import Profile
from discovery.templatetags.discovery_tags import prov
from scoring.models import ProfileScore

register = template.Library()

# What a row reads (``selectors.profile_rows``): profile columns, score columns, niche names.
ROW_PROFILE_FIELDS = ["id", "handle", "platform", "verified", "name", "followers", "stats_as_of", "country"]
ROW_SCORE_FIELDS = [
    "profile", "tier", "er_rating", "er", "er_provenance", "er_as_of", "er_method", "growth_30d_pct",
    "growth_as_of", "quality", "as_of", "price", "currency", "price_provenance", "price_low", "price_high",
    "has_quoted_rate", "cpe",
]  # fmt: skip
ROW_NICHE_FIELD = "name"

_PLATFORMS = dict(Profile._meta.get_field("platform").flatchoices)
_TIERS = dict(ProfileScore._meta.get_field("tier").flatchoices)
_RATINGS = dict(ProfileScore._meta.get_field("er_rating").flatchoices)
_ER_METHODS = dict(ProfileScore._meta.get_field("er_method").flatchoices)
_PK_MARK = "987654321"
DASH = "\u2013"  # an en dash, what the table shows for "none"
_MUTED_DASH = f'<span class="muted">{DASH}</span>'


def esc(value: Any) -> str:
    """``conditional_escape`` (what ``{{ value }}`` does to a value), with a plain ``str`` escaped as
    Django's ``escape`` does (``html.escape``) without its lazy-argument wrapper, which cost more than
    the escaping (~0.3 ms a page of 25 rows)."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


# ``prov`` depends only on its arguments, which repeat from row to row (a few kinds, a few dates).
_prov = functools.lru_cache(maxsize=4096)(prov)


def _fixed(value: Any, places: int) -> str:
    """``floatformat(value, places)`` for the English separators (see ``_english_numbers``).

    Django's filter converts, rounds and localises through several layers per call; this is its
    arithmetic (``str`` to Decimal, ROUND_HALF_UP, no sign on zero) in a few steps. Values it does not
    cover (None, NaN, infinities, huge or tiny exponents) go to the filter itself.
    """
    if value is None or isinstance(value, bool):
        return floatformat(value, places)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return floatformat(value, places)
    if not d.is_finite() or not -30 <= d.adjusted() <= 30:
        return floatformat(value, places)
    if places == 0 and d == d.to_integral_value():
        return str(int(d))
    rounded = d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, Context(prec=80))
    if not rounded:
        rounded = abs(rounded)  # Django writes no sign on a zero
    return f"{rounded:f}"


def _grouped(text: str) -> str:
    """``intcomma`` of ``_fixed(value, 0)`` (an integer's digits) with English separators."""
    return f"{int(text):,}"


def _english_numbers() -> bool:
    """True when numbers are written as in English: "." before decimals, "," every three digits, and
    no grouping unless asked (``_fixed`` and ``_grouped`` write exactly what the filters would)."""
    return (
        not settings.USE_THOUSAND_SEPARATOR
        and formats.get_format("DECIMAL_SEPARATOR") == "."
        and formats.get_format("THOUSAND_SEPARATOR") == ","
        and formats.get_format("NUMBER_GROUPING") == 3
    )


def _display(choices: dict[Any, Any], value: Any) -> str:
    """``get_FOO_display``: the choice's label, else the value itself."""
    return str(choices.get(value, value))


def _money(value: Any, *, english: bool = False) -> str:
    """``value|floatformat:0|intcomma``."""
    if english and value is not None:
        text = _fixed(value, 0)
        if text.lstrip("-").isdigit():
            return _grouped(text)
    return esc(intcomma(floatformat(value, 0)))


@register.simple_tag
def result_rows(rows: list[dict[str, Any]]) -> SafeString:
    """Every row of the results table (what ``{% for %}`` over the reference row renders)."""
    detail = reverse("discovery:profile-detail", args=[int(_PK_MARK)])
    english = _english_numbers()
    return mark_safe("".join(result_row(row, detail_url=detail, english=english) for row in rows))


def result_row(row: dict[str, Any], *, detail_url: str, english: bool = False) -> str:
    """One ``<tr>`` of the results table from a ``selectors.profile_rows`` row (``english``: the
    numbers may be written by ``_fixed`` and ``_grouped``, see ``_english_numbers``)."""
    number = _fixed if english else floatformat
    prov = _prov
    pk = str(row["id"])
    handle = esc(row["handle"])
    scored = row["score__profile"] is not None
    s = {name: row[f"score__{name}"] for name in ROW_SCORE_FIELDS} if scored else {}
    niches = [f'<span class="niche">{esc(name)}</span>' for name in row["niches"]]
    verified = ' <span title="verified" class="verified">✔</span>' if row["verified"] else ""
    if s.get("growth_as_of"):
        followers_prov = prov("measured", s["growth_as_of"])
    else:
        followers_prov = prov("imported", row["stats_as_of"])
    followers = row["followers"]
    if english and type(followers) is int:
        followers_text = f"{followers:,}"
    else:
        followers_text = esc(intcomma(DASH if followers is None else followers))
    tier = esc(_display(_TIERS, s["tier"]) if scored else "") or DASH
    if s.get("er_rating"):
        tier += f'<div class="muted small">{esc(_display(_RATINGS, s["er_rating"]))} for tier</div>'
    if s.get("er") is not None:
        er = (
            f"{number(s['er'], 2)} %{prov(s['er_provenance'], s['er_as_of'])}"
            f'<div class="muted small">{esc(_display(_ER_METHODS, s["er_method"]))}</div>'
        )
    else:
        er = '<span class="muted" title="not enough data">unknown</span>'
    if s.get("growth_30d_pct") is not None:
        growth = f"{number(s['growth_30d_pct'], 1)} %{prov('measured', s['growth_as_of'])}"
    else:
        growth = '<span class="muted" title="fewer than two snapshots">unknown</span>'
    quality = f"{s['quality']}{prov('measured', s['as_of'])}" if s.get("quality") is not None else _MUTED_DASH
    if s.get("price") is not None:
        price_prov = prov(s["price_provenance"], s["as_of"])
        price = f"{esc(s['currency'])} {_money(s['price'], english=english)}{price_prov}"
        if s["price_low"] is not None and not s["has_quoted_rate"]:
            low, high = _money(s["price_low"], english=english), _money(s["price_high"], english=english)
            price += f'<div class="muted small">{low}{DASH}{high}</div>'
    else:
        price = _MUTED_DASH
    if s.get("cpe") is not None:
        cpe = f"{esc(s['currency'])} {number(s['cpe'], 3)}{prov('estimated', s['as_of'])}"
    else:
        cpe = _MUTED_DASH
    return (
        f'\n    <tr class="result" data-profile-id="{pk}">'
        f'\n      <td><input type="checkbox" name="ids" value="{pk}" aria-label="Compare {handle}"></td>'
        f'\n      <td><a href="{esc(detail_url.replace(_PK_MARK, pk))}" class="handle">@{handle}</a>'
        f'\n        <span class="platform platform-{esc(row["platform"])}">'
        f"{esc(_display(_PLATFORMS, row['platform']))}</span>{verified}"
        f'\n        <div class="muted small">{esc(row["name"])}{" · " if niches else ""}'
        f"{', '.join(niches)}</div></td>"
        f'\n      <td class="num followers">{followers_text}'
        f"{followers_prov}</td>"
        f'\n      <td class="tier">{tier}</td>'
        f'\n      <td class="num er">{er}</td>'
        f'\n      <td class="num growth">{growth}</td>'
        f'\n      <td class="num quality">{quality}</td>'
        f'\n      <td class="num price">{price}</td>'
        f'\n      <td class="num cpe">{cpe}</td>'
        f"\n      <td>{esc(row['country'] or DASH)}</td>"
        "\n    </tr>\n    "
    )
