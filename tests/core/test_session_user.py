"""request.user (core.middleware.session_user): Django's get_user, with the common case read faster."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import middleware
from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _request_for(client: Client):
    """A request carrying the client's session, as the session middleware would give a view."""
    request = RequestFactory().get("/")
    request.session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return request


def _both(client: Client):
    """(ours, Django's) user for the client's session, each from a fresh copy of the session."""
    ours = middleware.session_user(_request_for(client))
    theirs = auth.get_user(_request_for(client))
    return ours, theirs


def _fast_path_available() -> bool:
    return middleware._user_sql(User, "default") is not None


def test_a_logged_in_user_is_read_whole_as_django_reads_them(brand_member) -> None:
    client = _logged_in(brand_member)

    ours, theirs = _both(client)

    assert type(ours) is type(theirs) is User
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
    assert ours.get_deferred_fields() == set()
    assert not hasattr(ours, "backend")
    assert not hasattr(theirs, "backend")


def test_the_common_case_sends_the_precompiled_read(brand_member) -> None:
    client = _logged_in(brand_member)
    request = _request_for(client)
    request.session[auth.SESSION_KEY]  # the session read apart

    with CaptureQueriesContext(connection) as ctx:
        user = middleware.session_user(request)

    assert user.pk == brand_member.pk
    assert len(ctx.captured_queries) == 1
    if _fast_path_available():
        assert "LIMIT" not in ctx.captured_queries[0]["sql"]  # ours; Django's get() adds LIMIT 21
    else:  # a database that converts a column after reading: Django reads
        assert "LIMIT" in ctx.captured_queries[0]["sql"]


def test_a_changed_password_ends_other_sessions_as_before(brand_member) -> None:
    client = _logged_in(brand_member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    brand_member.set_password("a-new-long-password-42")
    brand_member.save()

    response = client.get("/")

    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
    assert not Session.objects.filter(session_key=key).exists()  # flushed, as Django does


@pytest.mark.parametrize("change", ["inactive", "deleted", "no hash", "unlisted backend"])
def test_every_other_case_is_djangos_answer(brand_member, change) -> None:
    client = _logged_in(brand_member)
    session = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    if change == "inactive":
        User.objects.filter(pk=brand_member.pk).update(is_active=False)
    elif change == "deleted":
        User.objects.filter(pk=brand_member.pk).delete()
    elif change == "no hash":
        del session[auth.HASH_SESSION_KEY]
        session.save()
    else:
        session[auth.BACKEND_SESSION_KEY] = "django.contrib.auth.backends.RemoteUserBackend"
        session.save()

    ours, theirs = _both(client)

    assert ours.is_anonymous
    assert theirs.is_anonymous
    assert client.get("/").status_code == 302
    assert client.get("/api/me/").status_code == 403


def test_a_session_signed_with_a_fallback_secret_stays_logged_in_with_a_new_key(
    brand_member, settings
) -> None:
    old_secret = settings.SECRET_KEY
    client = _logged_in(brand_member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old_secret]

    request = _request_for(client)
    user = middleware.session_user(request)

    assert user.pk == brand_member.pk
    assert request.session.session_key != key  # cycled, as Django does
    assert request.session[auth.HASH_SESSION_KEY] == user.get_session_auth_hash()


def test_no_session_is_anonymous() -> None:
    request = RequestFactory().get("/")
    request.session = SessionStore()

    assert middleware.session_user(request).is_anonymous
