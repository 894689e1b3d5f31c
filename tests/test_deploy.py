"""docker-compose.yml and the Dockerfile, checked by parsing (Docker cannot run on these machines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

REPO = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat", "migrate")
REQUIRED_PRODUCTION_ENV = (
    "MICROLENS_MODE",
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_ALLOWED_HOSTS",
)
# env.str("NAME", ...), env.db_url("NAME"), env.bool(...), env.list(...): every variable settings.py reads.
SETTINGS_READ = re.compile(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def _settings_env_names() -> set[str]:
    return set(SETTINGS_READ.findall((REPO / "config" / "settings.py").read_text()))


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_settings_reader_pattern_finds_the_core_variables() -> None:
    # then: the pattern below is what the env-name check relies on, so check it finds real reads
    names = _settings_env_names()
    assert {
        "MICROLENS_MODE",
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "DJANGO_ALLOWED_HOSTS",
    } <= names
    assert "CACHE_URL" in names


def test_all_services_are_defined_with_pinned_major_images(services: dict) -> None:
    # then
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, "web, worker, beat and migrate must run the same image"
    assert all(services[name]["build"] == "." for name in APP_SERVICES)


def test_commands_run_gunicorn_worker_beat_and_migrations(services: dict) -> None:
    # then
    assert re.search(r"\bgunicorn config\.wsgi(:application)?\b", _command(services["web"]))
    assert "--bind=0.0.0.0:8000" in _command(services["web"])
    assert re.search(r"\bcelery -A config worker\b", _command(services["worker"]))
    assert re.search(r"\bcelery -A config beat\b", _command(services["beat"]))
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"
    assert services["migrate"]["restart"] == "no"


def test_every_long_running_service_has_a_healthcheck(services: dict) -> None:
    # then
    for name in ("web", "worker", "beat", "postgres", "redis"):
        check = services[name].get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert reverse("core:healthz") == "/healthz"
    assert "http://127.0.0.1:8000/healthz" in web_check
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_app_services_wait_for_healthy_backends_and_migrations(services: dict) -> None:
    # then
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["beat"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_app_env_names_are_all_read_by_settings_and_production_ones_are_set(services: dict) -> None:
    # given
    known = _settings_env_names()

    # then
    for name in APP_SERVICES:
        env = services[name]["environment"]
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables settings.py never reads: {sorted(unknown)}"
        missing = [var for var in REQUIRED_PRODUCTION_ENV if not str(env.get(var, "")).strip()]
        assert not missing, f"{name} lacks {missing}"
        assert env["MICROLENS_MODE"] == "production"
        assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?"), (
            "the secret must come from outside"
        )
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_worker_runs_serial_database_plans_and_keeps_the_shared_environment(services: dict) -> None:
    # then: parallel plans slowed the scoring reads of two worker processes (README "Scoring")
    worker, web = services["worker"]["environment"], services["web"]["environment"]
    assert worker["DB_PARALLEL_WORKERS_PER_GATHER"] == "0"
    assert {k: v for k, v in worker.items() if k != "DB_PARALLEL_WORKERS_PER_GATHER"} == web


def test_web_and_worker_share_the_uploads_volume_and_data_is_persistent(
    compose: dict, services: dict
) -> None:
    # then: the web process stores uploaded import files that the worker parses
    media = "media:/app/var/media"
    assert media in services["web"]["volumes"]
    assert media in services["worker"]["volumes"]
    assert services["web"]["environment"]["DJANGO_MEDIA_ROOT"] == "/app/var/media"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    assert {"pgdata", "redisdata", "media"} <= set(compose["volumes"])


def test_dockerfile_builds_a_slim_non_root_gunicorn_image() -> None:
    # given
    text = (REPO / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1) for line in text.splitlines() if line and not line.startswith(("#", " "))
    ]
    keywords = [parts[0] for parts in instructions]

    # then
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert "pip install -r requirements.txt" in text
    assert (REPO / "requirements.txt").exists()
    assert "collectstatic --noinput" in text
    user_lines = [parts[1].strip() for parts in instructions if parts[0] == "USER"]
    assert user_lines
    assert user_lines[-1] not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("CMD")
    assert "gunicorn" in instructions[keywords.index("CMD")][1]
    assert "config.wsgi:application" in instructions[keywords.index("CMD")][1]
    assert ["EXPOSE", "8000"] in instructions


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    # given
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}

    # then
    assert {".git", ".venv", ".env", "var"} <= ignored
