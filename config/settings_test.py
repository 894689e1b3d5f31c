"""Test settings: the real settings with speed knobs turned (see STYLE.md, section 9)."""

from __future__ import annotations

import os

os.environ.setdefault("MICROLENS_MODE", "test")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", str(VAR_DIR / "test-media"))  # noqa: F405
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
