"""The API's JSON: DRF's output, encoded by orjson.

DRF's ``JSONRenderer`` encodes with the standard library's ``json`` and a Python ``default`` hook:
a 25-profile search page (17 kB) took ~0.6-1.1 ms to encode, a fifth of what the API adds above its
SQL (bench/bench_search.py); orjson encodes it in ~0.05 ms. The bytes are DRF's: compact separators,
UTF-8 (``UNICODE_JSON``), U+2028/U+2029 escaped, and every type orjson would write its own way
(datetimes, dates and times, decimals, lazy strings, anything else DRF's encoder knows) is handed to
DRF's ``JSONEncoder.default``. Pretty-printing (``Accept: application/json; indent=4``, the browsable
API) and anything orjson refuses (integers beyond 64 bits, say) take DRF's own path, unchanged.
Two differences: a float in exponent form is written ``2e-7`` where ``json`` writes ``2e-07`` (the
same number), and a float that is not finite is written as ``null`` where DRF's strict JSON raised
(a 500); the API's numbers are never NaN, and ``null`` already means unknown in it.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import renderers

OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer with orjson as the encoder (see the module docstring)."""

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None
    ) -> bytes:
        if data is None:
            return b""
        if not (self.compact and not self.ensure_ascii) or self.get_indent(
            accepted_media_type, renderer_context or {}
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=self.encoder_class().default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if LINE_SEPARATOR in out or PARAGRAPH_SEPARATOR in out:
            out = out.replace(LINE_SEPARATOR, b"\\u2028").replace(PARAGRAPH_SEPARATOR, b"\\u2029")
        return out
