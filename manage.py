#!/usr/bin/env python
"""Django's command-line utility for Microlens."""

import os
import sys


def _settings_refusal(exc: BaseException) -> BaseException | None:
    """The ImproperlyConfigured behind ``exc`` (Django may re-raise it as AppRegistryNotReady), if any."""
    from django.core.exceptions import ImproperlyConfigured

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ImproperlyConfigured):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as exc:
        # A settings refusal (production mode without its secrets, an unknown mode) is one clear line.
        refusal = _settings_refusal(exc)
        if refusal is None:
            raise
        sys.exit(f"ImproperlyConfigured: {refusal}")


if __name__ == "__main__":
    main()
