"""Settings are secure by default: production refuses to start without secrets and passes check --deploy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
OUR_VARS = (
    "MICROLENS_MODE",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    # Set by the browser fixture for Playwright's event loop; never part of a deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh interpreter with only ``env`` set among our variables."""
    clean = {k: v for k, v in os.environ.items() if k not in OUR_VARS}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "MICROLENS_MODE": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "microlens.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_a_required_secret(tmp_path: Path, missing: str) -> None:
    # given
    env = _production(tmp_path)
    del env[missing]

    # when
    result = _manage("check", **env)

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Production mode needs these environment variables: {missing}" in result.stderr


def test_mode_defaults_to_production_so_a_bare_start_refuses(tmp_path: Path) -> None:
    # when: no MICROLENS_MODE and no secrets at all
    result = _manage("check")

    # then
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("command", [["check"], ["makemigrations", "--check", "--dry-run"], ["migrate"]])
def test_a_bare_environment_gets_the_refusal_as_one_line_not_a_traceback(command: list[str]) -> None:
    # given: nothing but a PATH, as a fresh shell or a hook has
    bare = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}

    # when
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=REPO,
        env=bare,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("ImproperlyConfigured: Production mode needs these environment")


def test_the_settings_option_is_honoured_before_the_environment() -> None:
    result = _manage("makemigrations", "--check", "--dry-run", "--settings=config.settings_test")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_unknown_mode_is_refused_with_the_allowed_values(tmp_path: Path) -> None:
    # when
    result = _manage("check", MICROLENS_MODE="staging")

    # then
    assert result.returncode != 0
    assert "MICROLENS_MODE must be production, local or test, not 'staging'" in result.stderr


def test_check_deploy_in_production_with_secrets_reports_nothing(tmp_path: Path) -> None:
    # when
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **_production(tmp_path))

    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_catches_a_weak_secret_key(tmp_path: Path) -> None:
    # when: the same run with a short key proves the deploy checks are live
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **_production(tmp_path, DJANGO_SECRET_KEY="short")
    )

    # then
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_defaults_are_secure(tmp_path: Path) -> None:
    # when
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS > 0, s.DEMO_LOGINS_ENABLED, s.ALLOWED_HOSTS)"
    )
    result = _manage("shell", "--no-imports", "-c", code, **_production(tmp_path))

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "False True True True True False ['microlens.example.com']"


def test_local_mode_needs_no_services_and_allows_demo_logins(tmp_path: Path) -> None:
    # when
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, s.DEMO_LOGINS_ENABLED)"
    )
    result = _manage("shell", "--no-imports", "-c", code, MICROLENS_MODE="local")

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == "django.db.backends.sqlite3 filesystem:// True True"
