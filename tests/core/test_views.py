"""HTML pages: login/lockout, passwords, organisation settings, switching, invitations, CSRF."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.current import SESSION_KEY
from core.models import AuditEntry, Invitation, Membership
from core.services import organisations as svc
from tests.factories.core import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def _login(client: Client, username: str, password: str):
    return client.post(reverse("core:login"), {"username": username, "password": password})


# Login, lockout, passwords


def test_every_page_but_login_requires_logging_in() -> None:
    response = Client().get("/settings/organisation/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_login_with_the_right_password_starts_a_session(brand_member) -> None:
    client = Client()

    response = _login(client, "brand_member", PASSWORD)

    assert response.status_code == 302
    assert client.get("/settings/organisation/acme/").status_code == 200


def test_five_failed_logins_lock_the_username_out_even_with_the_right_password(brand_member) -> None:
    client = Client()
    for _ in range(5):
        assert _login(client, "brand_member", "wrong").status_code in (200, 429)

    response = _login(client, "brand_member", PASSWORD)

    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert "_auth_user_id" not in client.session


def test_a_lockout_of_one_username_does_not_block_another(brand_member, brand_viewer) -> None:
    client = Client()
    for _ in range(6):
        _login(client, "brand_member", "wrong")

    assert _login(client, "brand_viewer", PASSWORD).status_code == 302


def test_password_change_needs_the_old_password(brand_member) -> None:
    client = _client(brand_member)
    url = reverse("core:password_change")

    bad = client.post(
        url, {"old_password": "nope", "new_password1": "x-new-pass-42", "new_password2": "x-new-pass-42"}
    )
    good = client.post(
        url, {"old_password": PASSWORD, "new_password1": "x-new-pass-42", "new_password2": "x-new-pass-42"}
    )

    assert bad.status_code == 200
    assert b'role="alert"' in bad.content
    assert good.status_code == 302
    assert good["Location"] == reverse("core:password_change_done")
    brand_member.refresh_from_db()
    assert brand_member.check_password("x-new-pass-42")


def test_password_reset_emails_a_link_that_sets_a_new_password(brand_member) -> None:
    client = Client()

    response = client.post(reverse("core:password_reset"), {"email": brand_member.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key first
    done = client.post(form_url, {"new_password1": "fresh-pass-777", "new_password2": "fresh-pass-777"})
    assert done.status_code == 302
    brand_member.refresh_from_db()
    assert brand_member.check_password("fresh-pass-777")


def test_password_reset_says_the_same_for_unknown_addresses() -> None:
    response = Client().post(reverse("core:password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert mail.outbox == []


def test_a_used_reset_link_shows_a_clear_error(brand_member) -> None:
    client = Client()
    client.post(reverse("core:password_reset"), {"email": brand_member.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "fresh-pass-777", "new_password2": "fresh-pass-777"})

    response = Client().get(link)

    assert b"not valid any more" in response.content


# Organisation settings


def test_settings_home_redirects_to_the_current_organisation(brand_member) -> None:
    response = _client(brand_member).get("/settings/organisation/")

    assert response["Location"] == "/settings/organisation/acme/"


def test_settings_home_explains_when_the_user_has_no_organisation(platform_admin) -> None:
    response = _client(platform_admin).get("/settings/organisation/")

    assert response.status_code == 200
    assert b"You do not belong to any organisation yet" in response.content


def test_settings_page_lists_members_and_roles_but_not_other_orgs(
    brand_member, brand_owner, other_brand_member, agency
) -> None:
    response = _client(brand_member).get("/settings/organisation/acme/")

    html = response.content.decode()
    assert "Acme Cosmetics" in html
    assert "brand_owner" in html
    assert "Bright Agency" in html  # the agency working for the brand
    assert "Other Brand" not in html
    assert "other_brand" not in html
    assert "Invite someone" not in html  # members do not manage
    assert "Audit log" not in html  # owners only


def test_owners_see_the_invite_form_and_audit_log(brand_owner, brand_member) -> None:
    svc.member_role_change(
        membership=Membership.objects.get(user=brand_member), role="viewer", changed_by=brand_owner
    )

    html = _client(brand_owner).get("/settings/organisation/acme/").content.decode()

    assert "Invite someone" in html
    assert "Audit log" in html
    assert "member_role_change" in html


def test_invite_form_sends_the_email_and_lists_the_pending_invitation(
    brand_owner, django_capture_on_commit_callbacks
) -> None:
    client = _client(brand_owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/organisation/acme/invitations/", {"email": "new@x.com", "role": "member"}
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "http://testserver/invitations/" in mail.outbox[0].body
    assert b"new@x.com" in client.get("/settings/organisation/acme/").content


def test_invite_form_shows_field_errors_and_keeps_the_input(brand_owner) -> None:
    response = _client(brand_owner).post(
        "/settings/organisation/acme/invitations/", {"email": "not-an-email", "role": "boss"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Select a valid choice" in html
    assert 'value="not-an-email"' in html
    assert not Invitation.objects.exists()


def test_demoting_the_last_owner_shows_the_rule_instead_of_failing(brand_owner) -> None:
    client = _client(brand_owner)
    own = Membership.objects.get(user=brand_owner)

    response = client.post(
        f"/settings/organisation/acme/members/{own.pk}/role/", {"role": "member"}, follow=True
    )

    assert b"needs at least one owner" in response.content
    own.refresh_from_db()
    assert own.role == "owner"


def test_a_brand_adds_an_agency_by_its_identifier(brand_owner) -> None:
    OrganisationFactory(name="Nimble", slug="nimble", kind="agency")
    client = _client(brand_owner)

    ok = client.post("/settings/organisation/acme/agencies/", {"agency": "nimble"}, follow=True)
    missing = client.post("/settings/organisation/acme/agencies/", {"agency": "ghost"}, follow=True)

    assert b"Nimble now works on" in ok.content
    assert "No agency with the identifier “ghost”".encode() in missing.content


def test_an_agency_settings_page_lists_its_client_brands(agency, brand) -> None:
    staff = UserFactory()
    MembershipFactory(user=staff, organisation=agency, role="manager")

    html = _client(staff).get("/settings/organisation/bright/").content.decode()

    assert "Client brands" in html
    assert "Acme Cosmetics" in html


def test_audit_log_page_paginates_newest_first(brand, brand_owner) -> None:
    for i in range(55):
        AuditEntry.objects.create(
            organisation=brand, action=f"act{i}", model_label="x.y", object_id=str(i), object_repr="x"
        )

    first = _client(brand_owner).get("/settings/organisation/acme/audit/")
    second = _client(brand_owner).get("/settings/organisation/acme/audit/?page=2")

    assert b"act54" in first.content
    assert b"act0<" not in first.content
    assert b"act0<" in second.content
    assert b"Page 2 of 2" in second.content


# Switching organisation


def test_users_in_several_organisations_switch_the_current_one(brand, brand_member) -> None:
    second = OrganisationFactory(name="Zeta Brand", slug="zeta", kind="brand")
    MembershipFactory(user=brand_member, organisation=second, role="viewer")
    client = _client(brand_member)

    header = client.get("/settings/organisation/acme/").content.decode()
    response = client.post(
        "/settings/organisation/switch/", {"organisation": second.pk, "next": "/settings/organisation/"}
    )

    assert 'id="org-switcher"' in header
    assert response["Location"] == "/settings/organisation/"
    assert client.session[SESSION_KEY] == second.pk
    assert client.get("/settings/organisation/")["Location"] == "/settings/organisation/zeta/"


def test_switching_to_an_organisation_one_does_not_belong_to_is_a_404(brand, other_brand_member) -> None:
    client = _client(other_brand_member)

    response = client.post("/settings/organisation/switch/", {"organisation": brand.pk})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session


def test_switch_ignores_an_offsite_next_url(brand_member, brand) -> None:
    response = _client(brand_member).post(
        "/settings/organisation/switch/", {"organisation": brand.pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


# Invitations by link


def _invite(brand, owner, email: str = "joiner@example.com") -> str:
    sent = svc.invitation_create(
        organisation=brand, email=email, role="member", invited_by=owner, accept_url_for=lambda t: t
    )
    return sent.token


def test_a_newcomer_creates_an_account_from_the_link_and_lands_in_the_organisation(
    brand, brand_owner
) -> None:
    token = _invite(brand, brand_owner)
    client = Client()

    page = client.get(f"/invitations/{token}/")
    response = client.post(
        f"/invitations/{token}/",
        {"username": "joiner", "password1": "plenty-long-99", "password2": "plenty-long-99"},
    )

    assert page.status_code == 200
    assert b"Join Acme Cosmetics" in page.content
    assert response["Location"] == "/settings/organisation/acme/"
    assert Membership.objects.get(user__username="joiner").organisation == brand
    assert client.get("/settings/organisation/acme/").status_code == 200


def test_registration_form_errors_are_shown(brand, brand_owner, brand_member) -> None:
    token = _invite(brand, brand_owner)

    response = Client().post(
        f"/invitations/{token}/",
        {"username": "brand_member", "password1": "plenty-long-99", "password2": "other"},
    )

    assert response.status_code == 400
    assert "The username “brand_member” is taken".encode() in response.content
    assert b"The two passwords differ." in response.content


def test_a_logged_in_user_with_the_invited_address_accepts(brand, brand_owner) -> None:
    joiner = UserFactory(username="joiner")  # email joiner@example.com
    token = _invite(brand, brand_owner)

    response = _client(joiner).post(f"/invitations/{token}/")

    assert response.status_code == 302
    assert Membership.objects.filter(user=joiner, organisation=brand).exists()


def test_an_unknown_or_expired_link_explains_itself(brand, brand_owner) -> None:
    token = _invite(brand, brand_owner)
    Invitation.objects.update(expires_at="2000-01-01T00:00:00Z")

    unknown = Client().get("/invitations/not-a-token/")
    expired = Client().get(f"/invitations/{token}/")

    assert unknown.status_code == 404
    assert b"not valid" in unknown.content
    assert expired.status_code == 410
    assert b"expired" in expired.content
    assert b"<form" not in expired.content.split(b"<main")[1]


# CSRF on every form


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("invitations", {"email": "c@x.com", "role": "member"}),
        ("agencies", {"agency": "bright"}),
        ("switch", {}),
        ("password", {}),
        ("login", {}),
        ("logout", {}),
        ("reset", {}),
    ],
)
def test_forms_refuse_posts_without_a_csrf_token(brand, brand_owner, url_name, data) -> None:
    urls = {
        "invitations": "/settings/organisation/acme/invitations/",
        "agencies": "/settings/organisation/acme/agencies/",
        "switch": "/settings/organisation/switch/",
        "password": reverse("core:password_change"),
        "login": reverse("core:login"),
        "logout": reverse("core:logout"),
        "reset": reverse("core:password_reset"),
    }
    client = _client(brand_owner, enforce_csrf_checks=True)

    response = client.post(urls[url_name], data)

    assert response.status_code == 403
    assert b"CSRF" in response.content


def test_forms_accept_posts_with_the_csrf_token_from_the_page(brand_owner) -> None:
    client = _client(brand_owner, enforce_csrf_checks=True)
    page = client.get("/settings/organisation/acme/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(
        "/settings/organisation/acme/invitations/",
        {"email": "c@x.com", "role": "member", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert Invitation.objects.filter(email="c@x.com").exists()


def test_invitation_accept_form_needs_csrf_too(brand, brand_owner) -> None:
    token = _invite(brand, brand_owner)

    response = Client(enforce_csrf_checks=True).post(
        f"/invitations/{token}/",
        {"username": "j", "password1": "plenty-long-99", "password2": "plenty-long-99"},
    )

    assert response.status_code == 403


def test_a_viewer_can_leave_the_organisation_from_the_settings_page(brand_viewer, brand_owner) -> None:
    client = _client(brand_viewer)
    page = client.get("/settings/organisation/acme/").content.decode()
    own = Membership.objects.get(user=brand_viewer)

    response = client.post(f"/settings/organisation/acme/members/{own.pk}/remove/", follow=True)

    assert "Leave Acme Cosmetics" in page
    assert b"You left Acme Cosmetics." in response.content
    assert not Membership.objects.filter(user=brand_viewer).exists()


def test_settings_page_query_count_does_not_grow_with_members(
    brand, brand_owner, agency, django_assert_max_num_queries
) -> None:
    client = _client(brand_owner)
    client.get("/settings/organisation/acme/")  # warm the session
    for i in range(30):
        MembershipFactory(user=UserFactory(username=f"m{i}"), organisation=brand, role="member")
        AuditEntry.objects.create(
            organisation=brand, action="x", model_label="a.b", object_id=str(i), object_repr="o"
        )

    with django_assert_max_num_queries(10):
        response = client.get("/settings/organisation/acme/")

    assert response.status_code == 200
    assert response.content.decode().count('aria-label="Role of ') == 31


def test_audit_log_page_filters_by_object_and_reports_bad_filters(brand, brand_owner) -> None:
    for i in range(3):
        AuditEntry.objects.create(
            organisation=brand,
            action="update",
            model_label="campaigns.campaign",
            object_id=str(i),
            object_repr=f"c{i}",
        )
    client = _client(brand_owner)

    one = client.get("/settings/organisation/acme/audit/", {"model": "campaigns.campaign", "object_id": "1"})
    bad = client.get("/settings/organisation/acme/audit/", {"since": "yesterday"})

    assert one.status_code == 200
    assert b": c1<" in one.content
    assert b": c0<" not in one.content
    assert bad.status_code == 400
    assert b"since:" in bad.content


def test_refusals_render_friendly_pages_without_naming_the_other_organisation(
    brand_viewer, other_brand_member
) -> None:
    forbidden = _client(brand_viewer).post("/settings/organisation/acme/invitations/", {"email": "a@b.co"})
    missing = _client(other_brand_member).get("/settings/organisation/acme/")

    assert forbidden.status_code == 403
    assert b"You can see this, but not change it" in forbidden.content
    assert missing.status_code == 404
    assert b"belongs to an organisation you are not part of" in missing.content
    assert b"Acme" not in missing.content


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/settings/organisation/switch/", {"organisation": "abc"}),
        ("/settings/organisation/switch/", {"organisation": "99999999999999999999"}),
        ("/settings/organisation/acme/invitations/", {"email": "x" * 300 + "@example.com", "role": "member"}),
        ("/settings/organisation/acme/invitations/", {}),
        ("/settings/organisation/acme/members/999999/role/", {"role": "member"}),
        ("/settings/organisation/acme/agencies/", {"agency": "not a slug!"}),
        ("/settings/organisation/acme/agencies/", {"agency": "acme"}),  # a brand, not an agency
        ("/invitations/" + "x" * 500 + "/", {"username": "a"}),
    ],
)
def test_bad_input_never_causes_a_server_error(brand_owner, url, data) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(brand_owner)

    response = client.post(url, data)

    assert response.status_code < 500


def test_a_logged_out_session_stays_out_even_if_a_cached_copy_of_it_survives(brand_member) -> None:
    # A logout while the cache is unreachable cannot delete a cached copy of the session; the cookie
    # must not sign in again once the cache answers (sessions are read from the database alone).
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.core.cache import caches

    client = _client(brand_member)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stale = client.session.load()
    assert client.get("/").status_code == 200

    client.post(reverse("core:logout"))
    caches[settings.SESSION_CACHE_ALIAS].set(KEY_PREFIX + session_key, stale, 3600)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key

    response = client.get("/")
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
