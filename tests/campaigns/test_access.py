"""The access matrix for every campaigns endpoint (HTML and API), for every persona."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_matrix import LOGIN, assert_access
from tests.factories.campaigns import ShortlistEntryFactory

pytestmark = pytest.mark.django_db

API_ANON = {401, 403}


def expect(kind: str, ok: int | set[int], *, api: bool) -> dict:
    """Expected answers: readers see reads; members+ (brand or its agency) write; others get 404."""
    writer = ok
    reader = ok if kind in ("read", "view-post") else 403
    return {
        "brand_owner": writer,
        "brand_member": writer,
        "brand_viewer": reader,
        "agency_staff": writer,
        "outsider_agency_staff": 404,
        "other_brand_member": 404,
        "anonymous": API_ANON if api else LOGIN,
    }


@pytest.fixture
def world(campaign, entry, result, catalogue):
    bare = ShortlistEntryFactory(campaign=campaign)  # no results: can be removed
    return {"c": campaign.pk, "e": entry.pk, "e2": bare.pk, "p": catalogue["a"].pk}


HTML = [
    ("read", "GET", "/campaigns/{c}/", None, 200),
    ("read", "GET", "/campaigns/{c}/board/", None, 200),
    ("read", "GET", "/campaigns/{c}/results/", None, 200),
    ("read", "GET", "/campaigns/{c}/report/", None, 200),
    ("read", "GET", "/campaigns/{c}/report/?print=1", None, 200),
    ("read", "GET", "/campaigns/{c}/report.csv", None, 200),
    ("read", "GET", "/campaigns/{c}/report.xlsx", None, 200),
    ("view-post", "POST", "/campaigns/{c}/suggest/", {"budget": "1000", "min_creators": "1"}, 200),
    ("write", "GET", "/campaigns/{c}/edit/", None, 200),
    ("write", "POST", "/campaigns/{c}/edit/", {"name": "x"}, 200),  # invalid form re-rendered
    ("write", "POST", "/campaigns/{c}/duplicate/", {}, 302),
    ("write", "POST", "/campaigns/{c}/archive/", {}, 302),
    ("write", "POST", "/campaigns/shortlist/add/", {"campaign": "{c}", "profile": "{p}"}, 302),
    ("write", "POST", "/campaigns/shortlist/add-ticked/", {"campaign": "{c}", "ids": "{p}"}, 302),
    ("write", "POST", "/campaigns/{c}/suggest/accept/", {"profile": "{p}"}, 302),
    ("write", "POST", "/campaigns/{c}/entries/{e}/", {"compensation": "fee", "notes": "n"}, 302),
    ("write", "POST", "/campaigns/{c}/entries/{e}/move/", {"status": "contacted"}, 302),
    ("write", "POST", "/campaigns/{c}/entries/{e2}/remove/", {}, 302),
    ("write", "POST", "/campaigns/{c}/results/", {"entry": "{e}", "post_ref": "p9", "views": "5"}, 302),
    ("write", "POST", "/campaigns/{c}/results/import/", None, 302),
]

API = [
    ("read", "GET", "/api/campaigns/{c}/", None, 200),
    ("read", "GET", "/api/campaigns/{c}/shortlist/", None, 200),
    ("read", "GET", "/api/campaigns/{c}/shortlist/{e}/", None, 200),
    ("read", "GET", "/api/campaigns/{c}/results/", None, 200),
    ("read", "GET", "/api/campaigns/{c}/report/", None, 200),
    ("view-post", "POST", "/api/campaigns/{c}/suggest/", {"budget": "1000"}, 200),
    ("write", "PATCH", "/api/campaigns/{c}/", {"name": "Renamed"}, 200),
    ("write", "PUT", "/api/campaigns/{c}/", {"name": "Renamed", "budget": "10"}, 200),
    ("write", "DELETE", "/api/campaigns/{c}/", None, 204),
    ("write", "POST", "/api/campaigns/{c}/duplicate/", {}, 201),
    ("write", "POST", "/api/campaigns/{c}/archive/", {}, 200),
    ("write", "POST", "/api/campaigns/{c}/shortlist/", {"profile": "{p}"}, 201),
    ("write", "PATCH", "/api/campaigns/{c}/shortlist/{e}/", {"notes": "hello"}, 200),
    (
        "write",
        "DELETE",
        "/api/campaigns/{c}/shortlist/{e}/",
        None,
        {400},
    ),  # has results: refused, with reason
    ("write", "POST", "/api/campaigns/{c}/results/", {"entry": "{e}", "post_ref": "p9", "views": 5}, 201),
]


class RewindingFile(SimpleUploadedFile):
    """An upload the matrix can send once per persona."""

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("kind", "method", "url", "data", "ok"), HTML, ids=[f"{m} {u}" for _, m, u, _, _ in HTML]
)
def test_html_access(request, world, kind, method, url, data, ok) -> None:
    data = _fill(data, world)
    if url.endswith("/import/"):
        data = {"file": RewindingFile("r.csv", b"handle,post,views\nlisted,p1,10\n", "text/csv")}
    assert_access(request, method, _fill(url, world), data=data, **expect(kind, ok, api=False))


@pytest.mark.parametrize(
    ("kind", "method", "url", "data", "ok"), API, ids=[f"{m} {u}" for _, m, u, _, _ in API]
)
def test_api_access(request, world, kind, method, url, data, ok) -> None:
    assert_access(request, method, _fill(url, world), data=_fill(data, world), **expect(kind, ok, api=True))


def test_campaign_list_pages(request, world) -> None:
    every = dict.fromkeys(
        (
            "brand_owner",
            "brand_member",
            "brand_viewer",
            "agency_staff",
            "outsider_agency_staff",
            "other_brand_member",
        ),
        200,
    )
    responses = assert_access(request, "GET", "/campaigns/", anonymous=LOGIN, **every)
    assert b"Spring launch" in responses["agency_staff"].content
    assert b"Spring launch" not in responses["other_brand_member"].content
    api = assert_access(request, "GET", "/api/campaigns/", anonymous=API_ANON, **every)
    assert api["outsider_agency_staff"].json()["count"] == 0
    assert api["brand_viewer"].json()["count"] == 1


def test_create_pages(request, brand, world) -> None:
    assert_access(
        request,
        "GET",
        "/campaigns/new/",
        brand_owner=200,
        brand_member=200,
        brand_viewer=403,
        agency_staff=200,
        outsider_agency_staff=403,
        other_brand_member=200,
        anonymous=LOGIN,
    )
    assert_access(
        request,
        "POST",
        "/api/campaigns/",
        data={"organisation": brand.pk, "name": "N", "budget": "5"},
        brand_owner=201,
        brand_member=201,
        brand_viewer=404,
        agency_staff=201,
        outsider_agency_staff=404,
        other_brand_member=404,
        anonymous=API_ANON,
    )
