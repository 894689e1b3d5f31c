"""Discovery access matrix: the catalogue is open to every logged-in user, a saved search to its owner."""

from __future__ import annotations

import pytest

from discovery.models import SavedSearch
from tests.access_matrix import LOGIN, assert_access
from tests.factories.discovery import NicheFactory, ProfileFactory
from tests.factories.scoring import ProfileScoreFactory

pytestmark = pytest.mark.django_db

ANON_API = {401, 403}
EVERYONE_LOGGED_IN = {
    "brand_owner": 200,
    "brand_member": 200,
    "brand_viewer": 200,
    "agency_staff": 200,
    "outsider_agency_staff": 200,
    "other_brand_member": 200,
}


@pytest.fixture
def profile():
    profile = ProfileFactory(handle="glowjen")
    ProfileScoreFactory(profile=profile)
    return profile


@pytest.mark.parametrize(
    "url",
    ["/", "/?tier=micro", "/export.csv", "/export.xlsx", "/profiles/{pk}/", "/compare/?ids={pk},{pk2}"],
)
def test_catalogue_pages_are_open_to_logged_in_users_only(request, profile, url: str) -> None:
    other = ProfileFactory()
    assert_access(
        request, "GET", url.format(pk=profile.pk, pk2=other.pk), **EVERYONE_LOGGED_IN, anonymous=LOGIN
    )


@pytest.mark.parametrize(
    "url", ["/api/profiles/", "/api/profiles/{pk}/", "/api/niches/", "/api/saved-searches/"]
)
def test_catalogue_api_is_open_to_logged_in_users_only(request, profile, url: str) -> None:
    NicheFactory()
    assert_access(request, "GET", url.format(pk=profile.pk), **EVERYONE_LOGGED_IN, anonymous=ANON_API)


def test_saving_a_search_needs_a_login(request) -> None:
    assert_access(
        request,
        "POST",
        "/api/saved-searches/",
        data={"name": "mine", "query": "tier=micro"},
        **dict.fromkeys(EVERYONE_LOGGED_IN, 201),
        anonymous=ANON_API,
    )
    assert_access(
        request,
        "POST",
        "/saved-searches/",
        data={"name": "mine", "query": "tier=micro"},
        **dict.fromkeys(EVERYONE_LOGGED_IN, 302),
        anonymous=LOGIN,
    )


def test_a_saved_search_is_visible_to_its_owner_only(request, brand_member) -> None:
    saved = SavedSearch.objects.create(user=brand_member, name="mine", query="tier=micro")
    only_owner = {**dict.fromkeys(EVERYONE_LOGGED_IN, 404), "brand_member": 200}

    assert_access(request, "GET", f"/api/saved-searches/{saved.pk}/", **only_owner, anonymous=ANON_API)
    assert_access(
        request,
        "DELETE",
        f"/api/saved-searches/{saved.pk}/",
        **{**only_owner, "brand_member": 204},
        anonymous=ANON_API,
    )
    assert_access(
        request,
        "POST",
        f"/saved-searches/{saved.pk}/delete/",
        **{**only_owner, "brand_member": 302},
        anonymous=LOGIN,
    )
    assert SavedSearch.objects.filter(pk=saved.pk).exists()  # every cell was rolled back
