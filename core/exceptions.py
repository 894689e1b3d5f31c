"""Errors that services raise for business-rule failures (mapped to HTTP 400 by the API)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule said no; ``message`` is for people, ``extra`` for machines."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
