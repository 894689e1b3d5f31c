"""Template helpers of the discovery pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def prov(kind: str | None, as_of: dt.date | None = None) -> str:
    """A provenance hint: the kind's first letter, with kind and as-of date in the tooltip."""
    kind = kind or "unknown"
    title = kind.capitalize() + (f", as of {as_of.isoformat()}" if isinstance(as_of, dt.date) else "")
    return format_html('<span class="prov prov-{}" title="{}">{}</span>', kind, title, kind[:1])
