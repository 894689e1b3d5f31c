"""API: token issue and revoke, /api/me/, throttling."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.models import AuditEntry
from tests.factories.core import PASSWORD, AgencyClientFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def _token_for(user) -> str:
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_username_and_password_buy_a_token_that_authenticates_scripts(brand_member) -> None:
    token = _token_for(brand_member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.get("/api/me/")

    assert response.status_code == 200
    assert response.json()["username"] == "brand_member"


def test_asking_twice_returns_the_same_token(brand_member) -> None:
    assert _token_for(brand_member) == _token_for(brand_member)


def test_wrong_password_gets_a_400_without_a_token(brand_member) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "brand_member", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert "did not match" in response.json()["non_field_errors"][0]
    assert not Token.objects.exists()


def test_missing_fields_are_named(db) -> None:
    response = APIClient().post(TOKEN_URL, {"username": "x"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_delete_revokes_the_callers_token(brand_member) -> None:
    token = _token_for(brand_member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    revoked = client.delete(TOKEN_URL)
    after = client.get("/api/me/")

    assert revoked.status_code == 204
    # 403, not 401: SessionAuthentication is listed first in settings, so DRF sends no WWW-Authenticate.
    assert after.status_code == 403
    assert after.json()["detail"] == "Invalid token."
    assert not Token.objects.filter(user=brand_member).exists()


def test_revoking_needs_an_authenticated_caller(db) -> None:
    assert APIClient().delete(TOKEN_URL).status_code in (401, 403)


def test_me_lists_organisations_roles_and_agency_reach(agency_staff, brand, agency) -> None:
    client = APIClient()
    client.force_authenticate(agency_staff)

    body = client.get("/api/me/").json()

    orgs = {o["slug"]: o for o in body["organisations"]}
    assert set(orgs) == {"acme", "bright"}
    assert orgs["bright"] == {
        "id": agency.pk,
        "name": "Bright Agency",
        "slug": "bright",
        "kind": "agency",
        "role": "member",
        "via": "membership",
    }
    assert orgs["acme"]["via"] == "agency"
    assert body["current_organisation"] == agency.pk
    assert body["is_platform_admin"] is False


def test_me_never_shows_unrelated_organisations(other_brand_member, brand, agency) -> None:
    client = APIClient()
    client.force_authenticate(other_brand_member)

    body = client.get("/api/me/").json()

    assert [o["slug"] for o in body["organisations"]] == ["other-brand"]


def test_me_needs_authentication(db) -> None:
    response = APIClient().get("/api/me/")

    assert response.status_code in (401, 403)


def test_token_endpoint_is_throttled_by_its_own_scope(db) -> None:
    client = APIClient()
    # Distinct usernames keep django-axes out of it: only the "token" scope (10/minute) limits here.
    statuses = [
        client.post(TOKEN_URL, {"username": f"u{i}", "password": "bad"}, format="json").status_code
        for i in range(11)
    ]

    assert statuses == [400] * 10 + [429]


@pytest.fixture
def tight_anon_rate(monkeypatch):
    """Anonymous limit 5/minute, token scope out of the way, for a short test (config, not code)."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "5/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "1000/minute")


def test_anonymous_callers_hit_the_anon_rate_limit(db, tight_anon_rate) -> None:
    client = APIClient()
    # Distinct usernames so django-axes' per-username lockout stays out of the picture.
    statuses = [
        client.post(TOKEN_URL, {"username": f"nobody{i}", "password": "x"}, format="json").status_code
        for i in range(6)
    ]

    assert statuses == [400] * 5 + [429]


def test_the_anon_limit_does_not_apply_to_logged_in_users(brand_member, tight_anon_rate) -> None:
    client = APIClient()
    client.force_login(brand_member)

    statuses = {client.get("/api/me/").status_code for _ in range(8)}

    assert statuses == {200}


def test_repeated_failed_token_requests_lock_the_username_out(brand_member) -> None:
    client = APIClient()
    for _ in range(5):
        client.post(TOKEN_URL, {"username": "brand_member", "password": "bad"}, format="json")

    response = client.post(TOKEN_URL, {"username": "brand_member", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert not Token.objects.exists()


def test_me_query_count_does_not_grow_with_client_brands(
    agency_staff, agency, django_assert_max_num_queries
) -> None:
    for i in range(20):
        AgencyClientFactory(agency=agency, brand=OrganisationFactory(kind="brand", slug=f"client-{i}"))
    client = APIClient()
    client.force_authenticate(agency_staff)

    with django_assert_max_num_queries(4):
        body = client.get("/api/me/").json()

    assert len(body["organisations"]) == 22


def _entries(brand, n: int = 3) -> None:
    for i in range(n):
        AuditEntry.objects.create(
            organisation=brand,
            action="update",
            model_label="campaigns.campaign",
            object_id=str(i),
            object_repr="c",
        )


def test_audit_api_lists_an_owners_entries_newest_first(brand, brand_owner, other_brand_member) -> None:
    _entries(brand)
    _entries(other_brand_member.memberships.get().organisation, n=2)
    client = APIClient()
    client.force_authenticate(brand_owner)

    body = client.get("/api/audit/").json()

    assert body["count"] == 3
    assert [r["object_id"] for r in body["results"]] == ["2", "1", "0"]
    assert body["results"][0]["model"] == "campaigns.campaign"


def test_audit_api_filters_by_object(brand, brand_owner) -> None:
    _entries(brand)
    client = APIClient()
    client.force_authenticate(brand_owner)

    body = client.get("/api/audit/", {"model": "campaigns.campaign", "object_id": "1"}).json()

    assert [r["object_id"] for r in body["results"]] == ["1"]


def test_audit_api_rejects_a_malformed_filter(brand_owner) -> None:
    client = APIClient()
    client.force_authenticate(brand_owner)

    response = client.get("/api/audit/", {"since": "yesterday"})

    assert response.status_code == 400
    assert "since" in response.json()


def test_audit_api_query_count_is_flat(brand, brand_owner, django_assert_max_num_queries) -> None:
    _entries(brand, n=40)
    client = APIClient()
    client.force_authenticate(brand_owner)

    with django_assert_max_num_queries(4):
        body = client.get("/api/audit/").json()

    assert len(body["results"]) == 25


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", TOKEN_URL, ["not", "an", "object"]),
        ("post", TOKEN_URL, {"username": "x" * 1000, "password": "y"}),
        ("get", "/api/audit/?organisation=abc", None),
        ("get", "/api/audit/?page=999", None),
    ],
)
def test_bad_api_input_is_a_4xx_with_a_reason(brand_owner, method, url, body) -> None:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(brand_owner)

    response = getattr(client, method)(url, body, format="json") if body is not None else client.get(url)

    assert 400 <= response.status_code < 500
    assert response.json()
