"""Discovery test fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_fresh_totals_from_other_tests():
    """Search totals a test read stay fresh in the process for a minute (selectors._fresh_totals),
    keyed by the search's SQL: another test's catalogue must not answer for this one."""
    from discovery import selectors

    selectors._fresh_totals.clear()
    yield
    selectors._fresh_totals.clear()
