#!/usr/bin/env python
"""Django's command-line utility for Microlens."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Load settings before any command runs, so a refusal (production mode without its secrets,
        # an unknown mode) is one clear line instead of a traceback chained through the app registry.
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - the attribute access is what loads the settings
    except ImproperlyConfigured as exc:
        sys.exit(f"ImproperlyConfigured: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
