"""Load scenario: marketers search, open profiles and edit shortlists; one user logs in; one admin imports.

Run through ``bench/load.py`` (which prepares the database, starts gunicorn and writes the report).
It reads ``LOAD_CONTEXT`` (a JSON file written by load.py): one entry per marketer (user name, a live
session id, the campaign of their brand), the profile id range, and the logins of the admin and of
the user who logs in through the form.

Realism, stated in the report: each virtual user waits 1 to 5 s between actions (a person reading
results, not a script hammering); marketers are returning users whose session (12 h) is already open,
so they start on the search page rather than all posting the login form in the first seconds (one
password hash is ~0.4 s of CPU by design); logging in is measured by one user who logs in and out over
and over. Every user stops after ``MAX_ACTIONS`` actions and the admin after ``MAX_IMPORTS`` imports, so
a run is bounded in count as well as in time (``-t``).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task
from locust.exception import StopUser

CONTEXT: dict[str, Any] = (
    json.loads(Path(os.environ["LOAD_CONTEXT"]).read_text()) if "LOAD_CONTEXT" in os.environ else {}
)
THINK_TIME = between(1.0, 5.0)
MAX_ACTIONS = 500
MAX_IMPORTS = 20
# Issue 6's realistic search combinations (bench.bench_search.COMBINATIONS, written by load.py).
SEARCHES: list[str] = CONTEXT.get("searches", [""])


def _search(kind: str) -> tuple[str, str]:
    """A random realistic search and its request name; free-text searches are reported apart."""
    query = random.choice(SEARCHES)
    return query, f"{kind} (free text)" if "q=" in query else kind


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_MARKETERS = itertools.count()


class _Bounded(HttpUser):
    """Stops after MAX_ACTIONS actions."""

    abstract = True
    wait_time = THINK_TIME
    actions = 0

    def counted(self) -> None:
        self.actions += 1
        if self.actions > MAX_ACTIONS:
            raise StopUser()

    def csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"}

    def form_login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = _CSRF_INPUT.search(page.text)
        self.client.post(
            "/accounts/login/",
            {"username": username, "password": CONTEXT["password"], "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
            allow_redirects=False,  # the search page it redirects to is measured as a search
        )


class Marketer(_Bounded):
    """A brand member (session already open) searching, reading profiles and adjusting their shortlist."""

    weight = 48

    def on_start(self) -> None:
        me = CONTEXT["marketers"][next(_MARKETERS) % len(CONTEXT["marketers"])]
        self.campaign = me["campaign"]
        self.client.cookies.set("sessionid", me["session"])
        self.client.get("/", name="search page")  # where a returning user lands; sets the CSRF cookie

    def _profile_id(self) -> int:
        return random.randint(CONTEXT["profile_min"], CONTEXT["profile_max"])

    @task(4)
    def search_page(self) -> None:
        self.counted()
        query, name = _search("search page")
        self.client.get("/?" + query, name=name)

    @task(3)
    def search_fragment(self) -> None:
        self.counted()
        query, name = _search("search htmx")
        self.client.get("/?" + query, headers={"HX-Request": "true"}, name=name)

    @task(3)
    def search_api(self) -> None:
        self.counted()
        query, name = _search("search api")
        self.client.get("/api/profiles/?" + query, name=name)

    @task(3)
    def profile_page(self) -> None:
        self.counted()
        self.client.get(f"/profiles/{self._profile_id()}/", name="profile page")

    @task(1)
    def shortlist_edit(self) -> None:
        self.counted()
        base = f"/api/campaigns/{self.campaign}/shortlist/"
        with self.client.post(
            base,
            json={"profile": self._profile_id()},
            headers=self.csrf_headers(),
            name="shortlist add",
            catch_response=True,
        ) as added:
            if added.status_code == 400:  # already on the shortlist (a colleague picked it): fine
                added.success()
                return
        if added.status_code == 201:
            entry = added.json()["id"]
            self.client.delete(f"{base}{entry}/", headers=self.csrf_headers(), name="shortlist remove")


class Newcomer(_Bounded):
    """Someone starting their day: the login form, a short session of searches and a profile, logging out;
    then the same again (a login every ~25 s, far more often than 50 real users would)."""

    weight = 1
    fixed_count = 1

    def on_start(self) -> None:
        self.wait()  # arrives like everyone else, not in the first instant of the run

    @task
    def log_in_and_out(self) -> None:
        self.counted()
        self.form_login(CONTEXT["newcomer"])
        self.client.get("/", name="search page")
        for _ in range(3):
            self.wait()
            query, name = _search("search htmx")
            self.client.get("/?" + query, headers={"HX-Request": "true"}, name=name)
        self.wait()
        self.client.get(
            f"/profiles/{random.randint(CONTEXT['profile_min'], CONTEXT['profile_max'])}/",
            name="profile page",
        )
        self.wait()
        self.client.post(
            "/accounts/logout/", headers=self.csrf_headers(), name="logout", allow_redirects=False
        )


class Admin(_Bounded):
    """A platform admin uploading a small profiles file and starting the import."""

    weight = 1
    fixed_count = 1
    wait_time = between(5.0, 10.0)

    def on_start(self) -> None:
        self.imports = 0
        self.wait()
        self.form_login(CONTEXT["admin"])

    @task
    def import_file(self) -> None:
        self.counted()
        self.imports += 1
        if self.imports > MAX_IMPORTS:
            raise StopUser()
        page = self.client.get("/imports/", name="imports page")
        token = _CSRF_INPUT.search(page.text).group(1)
        rows = "".join(
            f"load_{random.randint(0, 10**9)},instagram,{random.randint(1000, 90000)}\n" for _ in range(200)
        )
        uploaded = self.client.post(
            "/imports/",
            data={"kind": "profiles", "csrfmiddlewaretoken": token},
            files={"file": ("load.csv", "handle,platform,followers\n" + rows, "text/csv")},
            headers={"Referer": self.host + "/imports/"},
            name="import upload",
        )
        match = re.search(r"/imports/(\d+)/", uploaded.url or "")
        if match:
            start_token = _CSRF_INPUT.search(uploaded.text)
            self.client.post(
                f"/imports/{match.group(1)}/start/",
                data={"csrfmiddlewaretoken": start_token.group(1) if start_token else token},
                headers={"Referer": self.host + uploaded.url},
                name="import start",
            )
