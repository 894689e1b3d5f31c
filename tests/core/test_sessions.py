"""Sessions (core.sessions): Django's database sessions, read by one precompiled statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_settings_use_this_store() -> None:
    assert settings.SESSION_ENGINE == "core.sessions"


def test_a_session_written_by_djangos_store_reads_the_same_and_back() -> None:
    theirs = DjangoSessionStore()
    theirs["cart"] = {"ids": [1, 2], "note": "é"}
    theirs.save()

    ours = SessionStore(theirs.session_key)
    ours["seen"] = True
    ours.save()

    assert ours["cart"] == {"ids": [1, 2], "note": "é"}
    assert DjangoSessionStore(theirs.session_key).load() == {
        "cart": {"ids": [1, 2], "note": "é"},
        "seen": True,
    }


def test_an_unknown_key_is_an_empty_session_with_a_new_key_once_saved() -> None:
    store = SessionStore("x" * 32)

    assert store.load() == {}
    store["a"] = 1
    store.save()
    assert store.session_key != "x" * 32
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_an_expired_session_no_longer_signs_in(brand_member) -> None:
    client = Client()
    client.force_login(brand_member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/").status_code == 200

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/")
    assert response.status_code == 302
    assert reverse("core:login") in response["Location"]
    assert SessionStore(key).load() == {}


def test_a_live_session_signs_in_as_its_user(brand_member) -> None:
    client = Client()
    client.force_login(brand_member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert SessionStore(key)[SESSION_KEY] == str(brand_member.pk)
    assert client.get("/api/me/").json()["username"] == brand_member.username


def test_logging_out_ends_the_session_for_its_cookie(brand_member) -> None:
    client = Client()
    client.force_login(brand_member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post(reverse("core:logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = key

    assert client.get("/").status_code == 302
    assert client.get("/api/me/").status_code == 403
