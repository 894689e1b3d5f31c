"""Imports of creator data: profiles, follower snapshots, posts and follower samples.

A package split by concern, every public name re-exported here so ``from discovery.services.imports
import ...`` keeps working:

- ``summary``: ``ImportSummary`` (the ``--json`` contract) and the size limits;
- ``run``: ``import_file``, the chunked/strict loop, checkpoints;
- ``writers``: one writer per kind, upserting a parsed chunk;
- ``sql``: the set-based writes (COPY into a staging table, one INSERT ... ON CONFLICT);
- ``jobs``: the browser flow (``ImportJob`` upload, mapping preview, start, run, rejected rows).
"""

from __future__ import annotations

from discovery.services.imports.jobs import (
    ImportPreview,
    MappingRow,
    import_job_create,
    import_job_preview,
    import_job_rejected_rows,
    import_job_run,
    import_job_set_mapping,
    import_job_start,
    import_jobs_start_waiting,
)
from discovery.services.imports.run import import_file
from discovery.services.imports.summary import (
    ALLOWED_SUFFIXES,
    BATCH_ROWS,
    CHUNK_ROWS,
    MAX_ERRORS_KEPT,
    MAX_REJECTED_KEPT,
    ImportSummary,
)
from discovery.services.imports.writers import (
    DEFAULT_POST_KIND,
    NICHE_ALIASES,
    POST_FIELDS,
    PROFILE_FIELDS,
    SAMPLE_FIELDS,
    WRITERS,
)

__all__ = [
    "ALLOWED_SUFFIXES",
    "BATCH_ROWS",
    "CHUNK_ROWS",
    "DEFAULT_POST_KIND",
    "MAX_ERRORS_KEPT",
    "MAX_REJECTED_KEPT",
    "NICHE_ALIASES",
    "POST_FIELDS",
    "PROFILE_FIELDS",
    "SAMPLE_FIELDS",
    "WRITERS",
    "ImportPreview",
    "ImportSummary",
    "MappingRow",
    "import_file",
    "import_job_create",
    "import_job_preview",
    "import_job_rejected_rows",
    "import_job_run",
    "import_job_set_mapping",
    "import_job_start",
    "import_jobs_start_waiting",
]
