"""Load scenario: marketers search, open profiles and edit a shortlist; one admin imports files.

Run through ``bench/load.py`` (which prepares the database, starts gunicorn and writes the report).
It reads ``LOAD_CONTEXT`` (a JSON file written by load.py): user names, password, profile id range,
campaign id.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

CONTEXT: dict[str, Any] = (
    json.loads(Path(os.environ["LOAD_CONTEXT"]).read_text()) if "LOAD_CONTEXT" in os.environ else {}
)
SEARCHES = [
    "",
    "country=GB",
    "q=travel",
    "niche=beauty&followers_min=10000&followers_max=100000",
    "tier=micro&er_min=2&ordering=-er",
    "platform=instagram&quality_min=60&ordering=-followers",
    "q=vegan+recipes&country=GB",
    "price_max=500&ordering=cpe",
]
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _LoggedIn(HttpUser):
    """Logs in through the real login form (session cookie + CSRF), as a browser does."""

    abstract = True
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        token = _CSRF_INPUT.search(page.text)
        self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": CONTEXT["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
        )

    def csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + "/"}


class Marketer(_LoggedIn):
    """A brand member searching the catalogue, reading profiles and adjusting a shortlist."""

    weight = 20
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.username = CONTEXT["marketer"]
        super().on_start()

    def _profile_id(self) -> int:
        return random.randint(CONTEXT["profile_min"], CONTEXT["profile_max"])

    @task(4)
    def search_page(self) -> None:
        self.client.get("/?" + random.choice(SEARCHES), name="search page")

    @task(3)
    def search_fragment(self) -> None:
        self.client.get("/?" + random.choice(SEARCHES), headers={"HX-Request": "true"}, name="search htmx")

    @task(3)
    def search_api(self) -> None:
        self.client.get("/api/profiles/?" + random.choice(SEARCHES), name="search api")

    @task(3)
    def profile_page(self) -> None:
        self.client.get(f"/profiles/{self._profile_id()}/", name="profile page")

    @task(1)
    def shortlist_edit(self) -> None:
        base = f"/api/campaigns/{CONTEXT['campaign']}/shortlist/"
        with self.client.post(
            base,
            json={"profile": self._profile_id()},
            headers=self.csrf_headers(),
            name="shortlist add",
            catch_response=True,
        ) as added:
            if added.status_code == 400:  # already on the shortlist (another marketer picked it): fine
                added.success()
                return
        if added.status_code == 201:
            entry = added.json()["id"]
            self.client.delete(f"{base}{entry}/", headers=self.csrf_headers(), name="shortlist remove")


class Admin(_LoggedIn):
    """A platform admin uploading a small profiles file and starting the import."""

    weight = 1
    fixed_count = 1
    wait_time = between(5.0, 10.0)

    def on_start(self) -> None:
        self.username = CONTEXT["admin"]
        super().on_start()

    @task
    def import_file(self) -> None:
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
            detail = uploaded.text
            start_token = _CSRF_INPUT.search(detail)
            self.client.post(
                f"/imports/{match.group(1)}/start/",
                data={"csrfmiddlewaretoken": start_token.group(1) if start_token else token},
                headers={"Referer": self.host + uploaded.url},
                name="import start",
            )
