"""Broken input: every case gets a clear message, nothing crashes, and strict mode leaves nothing behind."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from discovery.models import FollowerSnapshot, ImportJob, Profile
from discovery.services.imports import import_file, import_job_create, import_job_run
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "platform,handle,name,followers,snapshot_date\n"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _assert_clean_failure(path: Path, fragment: str) -> None:
    """The import fails with ``fragment`` in its message, in both modes, and writes nothing."""
    for strict in (False, True):
        summary = import_file(path=path, kind="profiles", strict=strict)
        assert not summary.ok, summary
        assert fragment in summary.message, summary.message
    assert not Profile.objects.exists()


def test_mixed_encoding_is_refused(tmp_path: Path) -> None:
    data = (HEADER + "instagram,zoe,Zoë,10,\n").encode() + "instagram,ana,Anaïs,10,\n".encode("cp1252")
    _assert_clean_failure(_file(tmp_path, "mixed.csv", data), "mixes encodings")


def test_invalid_utf8_after_the_detection_sample_is_refused_before_writing(tmp_path: Path) -> None:
    good = "".join(f"instagram,user{i},Zoë {i},{i},\n" for i in range(40_000)).encode()
    data = HEADER.encode() + good + "instagram,late,Anaïs,1,\n".encode("cp1252")
    assert len(data) > 1 << 20

    _assert_clean_failure(_file(tmp_path, "late.csv", data), "not valid utf-8")


def test_truncated_csv_inside_a_quoted_field(tmp_path: Path) -> None:
    data = (HEADER + 'instagram,amy,Amy,10,\ninstagram,ben,"Ben, the\n').encode()
    _assert_clean_failure(_file(tmp_path, "cut.csv", data), "looks truncated")


def test_truncated_xlsx_and_json(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["platform", "handle", "followers"])
    for i in range(200):
        workbook.active.append(["instagram", f"user{i}", i])
    workbook.save(tmp_path / "full.xlsx")
    cut = (tmp_path / "full.xlsx").read_bytes()
    _assert_clean_failure(_file(tmp_path, "cut.xlsx", cut[: len(cut) // 2]), "Excel file")
    _assert_clean_failure(
        _file(tmp_path, "cut.json", b'[{"platform": "instagram", "handle": "a"'), "JSON is invalid"
    )


def test_binary_junk(tmp_path: Path) -> None:
    _assert_clean_failure(_file(tmp_path, "junk.csv", os.urandom(8192)), "binary")


def test_empty_and_header_only(tmp_path: Path) -> None:
    _assert_clean_failure(_file(tmp_path, "empty.csv", b""), "The file is empty")
    _assert_clean_failure(_file(tmp_path, "header.csv", HEADER.encode()), "no data rows")


def test_ten_thousand_columns(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    _assert_clean_failure(
        _file(tmp_path, "wide.csv", (header + "\n" + "1," * 9_999 + "1\n").encode()), "10,000 columns"
    )


def test_unknown_and_missing_columns_fail_before_any_row(tmp_path: Path) -> None:
    _assert_clean_failure(
        _file(tmp_path, "odd.csv", b"handle,mystery\namy,1\n"), "Unknown column(s): 'mystery'"
    )
    _assert_clean_failure(_file(tmp_path, "nohandle.csv", b"platform,followers\ninstagram,1\n"), "handle")


def test_negative_absurd_and_future_values_strict_leaves_nothing(tmp_path: Path) -> None:
    data = (
        HEADER
        + "instagram,ok,Ok,1000,2026-01-01\n"
        + "instagram,neg,Neg,-10,2026-01-01\n"
        + "instagram,big,Big,900b,2026-01-01\n"
        + "instagram,later,Later,10,2999-12-31\n"
    ).encode()
    path = _file(tmp_path, "values.csv", data)

    strict = import_file(path=path, kind="profiles", strict=True)

    assert not strict.committed
    assert strict.rejected == 3
    assert not Profile.objects.exists()
    assert not FollowerSnapshot.objects.exists()
    relaxed = import_file(path=path, kind="profiles")
    assert (relaxed.created, relaxed.rejected) == (1, 3)
    assert {e["reason"].split(";")[0] for e in relaxed.errors} == {
        "is negative",
        "is absurdly large (over 10,000,000,000)",
        "is in the future",
    }


def test_upload_over_the_size_limit_is_refused(settings: object, tmp_path: Path) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("big.csv", (HEADER + "instagram,a,A,1,\n" * 20).encode())

    with pytest.raises(ValidationError, match="the limit is"):
        import_job_create(upload=upload, kind="profiles", user=UserFactory(is_staff=True))

    assert not ImportJob.objects.exists()


def test_wrong_file_type_is_refused() -> None:
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n")

    with pytest.raises(ValidationError, match="not a supported file type"):
        import_job_create(upload=upload, kind="profiles", user=UserFactory(is_staff=True))


def test_a_broken_file_fails_the_job_without_crashing_the_task() -> None:
    upload = SimpleUploadedFile("junk.csv", io.BytesIO(os.urandom(4096)).read())
    job = import_job_create(upload=upload, kind="profiles", user=UserFactory(is_staff=True))
    assert job.status == ImportJob.Status.FAILED
    assert "binary" in job.message
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)

    summary = import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert summary is not None
    assert not summary.ok
    assert job.status == ImportJob.Status.FAILED
    assert "binary" in job.message


def test_missing_file_is_a_clear_failure(tmp_path: Path) -> None:
    summary = import_file(path=tmp_path / "gone.csv", kind="profiles")

    assert not summary.ok
    assert "is missing" in summary.message
