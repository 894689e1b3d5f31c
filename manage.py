#!/usr/bin/env python
"""Django's command-line utility for Microlens."""

import os
import sys


def _settings_module(argv: list[str]) -> str:
    """The settings module this command will use: ``--settings`` wins over the environment."""
    for i, arg in enumerate(argv):
        if arg.startswith("--settings="):
            return arg.split("=", 1)[1]
        if arg == "--settings" and i + 1 < len(argv):
            return argv[i + 1]
    return os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = _settings_module(sys.argv)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Load the settings before Django does: Django keeps a settings error aside and, depending on the
    # command, surfaces it later as an unrelated AppRegistryNotReady traceback. A refusal (production
    # mode without its secrets, an unknown mode) is one clear line instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - the access loads the settings module
    except ImproperlyConfigured as exc:
        sys.exit(f"ImproperlyConfigured: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
