"""Security sweep: login on every URL unless allow-listed, CSRF on every form, safe exports, upload limits."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from discovery.models import ImportJob
from discovery.services.imports import import_job_run
from tests.factories.campaigns import CampaignFactory, PostResultFactory, ShortlistEntryFactory
from tests.factories.discovery import CreatorFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

# URL names an anonymous visitor may open. Everything else must answer a redirect to a login page,
# 401, 403 or 405 (method not allowed) to an anonymous GET.
PUBLIC = {
    "core:login",
    "core:password_reset",
    "core:password_reset_done",
    "core:password_reset_confirm",
    "core:password_reset_complete",
    "core:healthz",
    "core:invitation-accept",
    "api:auth-token",
    "api:schema",
    "api:docs",
    "admin:login",
}
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")
# Sample values for URL parameters, by parameter name.
SAMPLE_KWARGS = {
    "format": "json",
    "slug": "acme",
    "token": "not-a-real-token",
    "uidb64": "MQ",
    "app_label": "auth",
    "model_name": "user",
    "object_id": "1",
    "content_type_id": "1",
    "url": "x",
    "fmt": "csv",
}


def _walk(resolver: URLResolver, namespace: str = "") -> list[tuple[str, Any]]:
    """(namespaced name or '', pattern) for every URL pattern in the project."""
    found: list[tuple[str, Any]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry, inner))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name}" if entry.name else "", entry))
    return found


def _params(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def _sample_url(name: str, pattern: URLPattern) -> str | None:
    """A concrete URL for a named pattern, or None when it cannot be reversed with sample values."""
    kwargs = {p: SAMPLE_KWARGS.get(p, 1) for p in _params(pattern)}
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def test_every_named_url_pattern_can_be_exercised() -> None:
    # Walking every pattern is only a sweep if each one turns into a URL we request.
    unreachable = [
        name for name, pattern in _walk(get_resolver()) if name and _sample_url(name, pattern) is None
    ]

    assert unreachable == []


def _anonymous_cases() -> list[tuple[str, str]]:
    cases = []
    for name, pattern in _walk(get_resolver()):
        if not name or name in PUBLIC:
            continue
        url = _sample_url(name, pattern)
        if url:
            cases.append((name, url))
    return sorted(set(cases))


@pytest.mark.django_db
def test_every_non_public_url_refuses_an_anonymous_get() -> None:
    client = Client(raise_request_exception=False)
    leaks = []

    for name, url in _anonymous_cases():
        response = client.get(url)
        location = response.get("Location", "")
        refused = response.status_code in (401, 403, 405) or (
            response.status_code in (301, 302) and location.startswith(LOGIN_PAGES)
        )
        if not refused:
            leaks.append((name, url, response.status_code, location))

    assert leaks == []
    assert len(_anonymous_cases()) > 60  # the walk really saw the project's URLs


@pytest.mark.django_db
def test_public_pages_answer_anonymous_visitors_without_errors() -> None:
    client = Client(raise_request_exception=False)

    for url in ("/accounts/login/", "/accounts/password/reset/", "/healthz", "/api/schema/", "/api/docs/"):
        assert client.get(url).status_code == 200, url
    assert client.get("/invitations/not-a-real-token/").status_code in (200, 404)


# -- CSRF on every form ------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """Collects each <form method=post> and whether it carries a csrfmiddlewaretoken input."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "form":
            self._open = {"action": data.get("action"), "post": (data.get("method") or "").lower() == "post"}
            self._open["csrf"] = False
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and data.get("name") == "csrfmiddlewaretoken":
            self._open["csrf"] = bool(data.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def _post_forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["post"]]


@pytest.fixture
def pages(brand, brand_owner, platform_admin) -> dict[str, tuple[Any, str]]:
    """The main pages, each with a user who can open it."""
    profile = ProfileFactory()
    ProfileScoreFactory(profile=profile)
    other = ProfileFactory()
    ProfileScoreFactory(profile=other)
    campaign = CampaignFactory(organisation=brand)
    entry = ShortlistEntryFactory(campaign=campaign, profile=profile)
    PostResultFactory(entry=entry)
    admin = Client()
    admin.force_login(platform_admin)
    admin.post(
        reverse("imports:job-list"),
        {"file": SimpleUploadedFile("p.csv", b"handle,platform\nabc,instagram\n"), "kind": "profiles"},
    )
    job = ImportJob.objects.get()
    return {
        "search": (brand_owner, "/"),
        "profile": (brand_owner, reverse("discovery:profile-detail", args=[profile.pk])),
        "compare": (brand_owner, f"{reverse('discovery:compare')}?ids={profile.pk},{other.pk}"),
        "settings": (brand_owner, reverse("core:organisation-settings", args=[brand.slug])),
        "password change": (brand_owner, reverse("core:password_change")),
        "campaigns": (brand_owner, reverse("campaigns:list")),
        "campaign new": (brand_owner, reverse("campaigns:create")),
        "campaign": (brand_owner, reverse("campaigns:detail", args=[campaign.pk])),
        "campaign edit": (brand_owner, reverse("campaigns:edit", args=[campaign.pk])),
        "board": (brand_owner, reverse("campaigns:board", args=[campaign.pk])),
        "results": (brand_owner, reverse("campaigns:results", args=[campaign.pk])),
        "report": (brand_owner, reverse("campaigns:report", args=[campaign.pk])),
        "imports": (platform_admin, reverse("imports:job-list")),
        "import mapping": (platform_admin, reverse("imports:job-detail", args=[job.pk])),
        "scoring": (platform_admin, reverse("scoring:run-list")),
        "login": (None, reverse("core:login")),
        "password reset": (None, reverse("core:password_reset")),
    }


@pytest.mark.django_db
def test_every_post_form_on_the_main_pages_carries_a_csrf_token(pages) -> None:
    missing, seen = [], 0

    for label, (user, url) in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
        for form in _post_forms(response.content.decode()):
            seen += 1
            if not form["csrf"]:
                missing.append((label, form["action"]))

    assert missing == []
    assert seen >= 15  # the pages really rendered their forms


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(brand, brand_owner) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(brand_owner)

    response = client.post(reverse("campaigns:create"), {"name": "No token"})

    assert response.status_code == 403


# -- Exports: no cell a spreadsheet would run as a formula ---------------------------------------------

EVIL = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)"]


def _dangerous(cell: Any) -> bool:
    """Text that starts like a formula and is not simply a number."""
    if not isinstance(cell, str) or not cell or cell[0] not in "=+-@":
        return False
    return not re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", cell)


def _csv_cells(content: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for c in row]


def _xlsx_cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_search_exports_neutralise_formula_cells(brand_member, fmt: str) -> None:
    for text in EVIL:
        ProfileScoreFactory(profile=ProfileFactory(name=text, creator=CreatorFactory(name=text)))
    client = Client()
    client.force_login(brand_member)

    response = client.get(reverse(f"discovery:export-{fmt}"))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    cells = _csv_cells(content) if fmt == "csv" else _xlsx_cells(content)

    assert response.status_code == 200
    assert [c for c in cells if _dangerous(c)] == []
    assert {"'" + t for t in EVIL} <= set(cells)  # the text is kept, made inert


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_campaign_report_exports_neutralise_formula_cells(brand, brand_owner, fmt: str) -> None:
    campaign = CampaignFactory(organisation=brand, name="=cmd|' /C calc'!A0")
    for handle in ("creator_eq", "creator_at"):
        PostResultFactory(
            entry=ShortlistEntryFactory(campaign=campaign, profile=ProfileFactory(handle=handle))
        )
    client = Client()
    client.force_login(brand_owner)

    response = client.get(reverse("campaigns:report-export", args=[campaign.pk, fmt]))
    cells = _csv_cells(response.content) if fmt == "csv" else _xlsx_cells(response.content)

    assert response.status_code == 200
    assert [c for c in cells if _dangerous(c)] == []
    assert "'@creator_eq" in cells


@pytest.mark.django_db
def test_rejected_rows_csv_neutralises_formula_cells(platform_admin) -> None:
    rows = "".join(f'"{t.replace(chr(34), chr(34) * 2)}",instagram,{n}\n' for n, t in enumerate(EVIL))
    client = Client()
    client.force_login(platform_admin)
    client.post(
        reverse("imports:job-list"),
        {
            "file": SimpleUploadedFile("evil.csv", ("handle,platform,followers\n" + rows).encode()),
            "kind": "profiles",
        },
    )
    job = ImportJob.objects.get()
    client.post(reverse("imports:job-start", args=[job.pk]))
    import_job_run(job_id=job.pk)

    response = client.get(reverse("imports:job-rejected", args=[job.pk]))
    cells = _csv_cells(b"".join(response.streaming_content))

    assert response.status_code == 200
    assert len(cells) > 3 * len(EVIL)  # every evil row was rejected and listed
    assert [c for c in cells if _dangerous(c)] == []


# -- Upload limits --------------------------------------------------------------------------------------


def _admin_upload(user, name: str, content: bytes):
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("imports:job-list"), {"file": SimpleUploadedFile(name, content), "kind": "profiles"}
    )


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused_with_the_limit(platform_admin, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_000

    response = _admin_upload(platform_admin, "big.csv", b"handle,platform\n" + b"someone,instagram\n" * 100)

    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["payload.exe", "page.html", "script.py", "archive.zip", "noextension"])
def test_upload_of_an_unsupported_type_is_refused(platform_admin, name: str) -> None:
    response = _admin_upload(platform_admin, name, b"handle,platform\nabc,instagram\n")

    assert response.status_code == 400
    assert "is not a supported file type" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_binary_content_under_a_csv_name_is_not_imported(platform_admin) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8

    response = _admin_upload(platform_admin, "photo.csv", png)

    job = ImportJob.objects.first()
    assert response.status_code in (302, 400)
    assert job is None or job.status == ImportJob.Status.FAILED


# -- Another organisation's private objects: always a 404 ----------------------------------------------

PRIVATE_PREFIXES = (
    "campaigns:",
    "api:campaign-",
    "api:saved-search-detail",
    "core:",
    "discovery:saved-search-",
)


@pytest.fixture
def private_urls(brand, brand_owner, brand_member) -> list[tuple[str, str]]:
    """Every URL pattern that names one of the brand's private objects, filled with real ids."""
    from core.models import Membership
    from discovery.models import SavedSearch

    campaign = CampaignFactory(organisation=brand)
    entry = ShortlistEntryFactory(campaign=campaign, profile=ProfileFactory())
    saved = SavedSearch.objects.create(user=brand_member, name="mine", query="country=GB")
    member = Membership.objects.get(user=brand_member, organisation=brand)
    values = {"slug": brand.slug, "entry_pk": entry.pk, "entry_id": entry.pk, "fmt": "csv"}
    urls = []
    for name, pattern in _walk(get_resolver()):
        params = _params(pattern)
        if not name.startswith(PRIVATE_PREFIXES) or not params or name in PUBLIC:
            continue
        pk = saved.pk if "saved-search" in name else member.pk if name.startswith("core:") else campaign.pk
        urls.append((name, reverse(name, kwargs={p: values.get(p, pk) for p in params})))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_brand_member", "outsider_agency_staff"])
def test_another_organisations_private_urls_are_404_for_get_and_post(
    private_urls, persona, request, brand_owner
) -> None:
    owner = Client(raise_request_exception=False)
    owner.force_login(brand_owner)
    # Control: the ids are real, so the brand's own owner opens these pages.
    assert sum(owner.get(url).status_code == 200 for _, url in private_urls) >= 10
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(persona))
    leaks = []

    for name, url in private_urls:
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (404, 405):
                leaks.append((name, method, url, status))

    assert leaks == []
    assert len(private_urls) >= 25
