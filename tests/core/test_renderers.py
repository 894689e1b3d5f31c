"""core.renderers.JSONRenderer writes the bytes DRF's JSONRenderer writes, faster."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import numpy as np
import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.renderers import JSONRenderer

UTC = dt.UTC

CASES = {
    "plain": {"id": 7, "name": "Ana", "er": 3.25, "ok": True, "none": None, "tags": ["a", "b"]},
    "unicode": {"name": "Zoë 🏃", "bio": "à la carte"},
    "separators": {"bio": "line\u2028para\u2029end"},
    "datetimes": {
        "aware": dt.datetime(2026, 11, 23, 6, 30, 1, 123456, tzinfo=UTC),
        "whole": dt.datetime(2026, 11, 23, 6, 30, 1, tzinfo=UTC),
        "naive": dt.datetime(2026, 1, 2, 3, 4, 5, 600),
        "date": dt.date(2026, 2, 28),
        "time": dt.time(9, 15, 30, 250000),
        "duration": dt.timedelta(hours=1, seconds=3),
    },
    "decimals": {"price": Decimal("149.90"), "zero": Decimal("0.00"), "list": [Decimal("1.5")]},
    "lazy and uuid": {"label": gettext_lazy("Followers"), "key": uuid.UUID(int=12345)},
    "int keys": {1: "one", 2: {"x": 1}},
    "numpy": {"n": np.float64(2.5), "arr": np.array([1, 2])},
    "nested DRF containers": ReturnDict(
        {"results": ReturnList([{"a": 1}, {"b": [1.0, 0.1, 123456.789]}], serializer=None)}, serializer=None
    ),
    "big int": {"id": 2**70},
    "list top": [1, "two", 3.0],
}


@pytest.mark.parametrize("name", list(CASES))
def test_bytes_match_drf(name):
    data = CASES[name]
    assert JSONRenderer().render(data) == renderers.JSONRenderer().render(data)


def test_exponent_floats_same_values():
    # The one byte-level difference: orjson writes 2e-7 where Python writes 2e-07 (same number).
    data = {"b": [2e-7, 1e21, -3.5e-12, 1e16]}
    ours, drfs = JSONRenderer().render(data), renderers.JSONRenderer().render(data)
    assert ours != drfs
    assert json.loads(ours) == json.loads(drfs) == data


def test_separators_escaped_and_output_parses():
    out = JSONRenderer().render(CASES["separators"])
    assert b"\\u2028" in out
    assert b"\\u2029" in out
    assert json.loads(out) == {"bio": "line\u2028para\u2029end"}


def test_indent_requested_takes_drfs_path():
    data = {"a": [1, 2]}
    pretty = JSONRenderer().render(data, "application/json; indent=4")
    assert pretty == renderers.JSONRenderer().render(data, "application/json; indent=4")
    assert b"\n    " in pretty


def test_none_renders_empty():
    assert JSONRenderer().render(None) == b""


def test_unknown_type_still_raises_type_error():
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_non_finite_float_is_null():
    assert json.loads(JSONRenderer().render({"er": float("nan")})) == {"er": None}


@pytest.mark.django_db
def test_api_uses_it(client, django_user_model):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is JSONRenderer
    user = django_user_model.objects.create_user("r", password="pw-long-enough-1")
    client.force_login(user)
    response = client.get("/api/niches/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.accepted_renderer.__class__ is JSONRenderer
