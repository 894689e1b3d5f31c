"""The import service: upserts per kind, idempotency, duplicates, strict mode, formats, resuming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from core.exports import safe_cell
from discovery.models import FollowerSample, FollowerSnapshot, ImportJob, Post, Profile
from discovery.services.imports import import_file, import_job_rejected_rows
from scoring.models import DirtyProfile
from tests.factories.discovery import ProfileFactory

pytestmark = pytest.mark.django_db

PROFILE_HEADER = (
    "platform,handle,name,country,niches,followers,following,posts_count,avg_likes,snapshot_date\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _profiles_csv(tmp_path: Path, rows: list[str], name: str = "profiles.csv") -> Path:
    return _write(tmp_path, name, PROFILE_HEADER + "".join(r + "\n" for r in rows))


def test_canonical_profiles_create_then_reimport_is_unchanged(tmp_path: Path) -> None:
    path = _profiles_csv(
        tmp_path,
        [
            "instagram,@Amy.Smith,Amy Smith,GB,Beauty;Fashion,12.5k,300,120,400,2026-01-10",
            "tiktok,https://www.tiktok.com/@ben_j,Ben J,United States,Gaming,2300,10,50,,2026-01-10",
        ],
    )

    first = import_file(path=path, kind="profiles")
    DirtyProfile.objects.all().delete()
    second = import_file(path=path, kind="profiles")

    assert (first.total, first.created, first.rejected) == (2, 2, 0)
    assert first.snapshots["created"] == 2
    amy = Profile.objects.get(platform="instagram", handle="amy.smith")
    assert (amy.followers, amy.country, amy.stats_as_of) == (12_500, "GB", dt.date(2026, 1, 10))
    assert sorted(n.slug for n in amy.niches.all()) == ["beauty", "fashion"]
    assert amy.creator.name == "Amy Smith"
    assert Profile.objects.get(handle="ben_j").country == "US"
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert not DirtyProfile.objects.exists()
    assert FollowerSnapshot.objects.count() == 2


def test_changed_row_is_updated_and_marked_for_rescoring(tmp_path: Path) -> None:
    import_file(path=_profiles_csv(tmp_path, ["instagram,amy,Amy,GB,,1000,1,1,,2026-01-10"]), kind="profiles")
    DirtyProfile.objects.all().delete()

    summary = import_file(
        path=_profiles_csv(tmp_path, ["instagram,amy,Amy,GB,,1500,1,1,,2026-01-17"], "v2.csv"),
        kind="profiles",
    )

    assert summary.updated == 1
    amy = Profile.objects.get(handle="amy")
    assert amy.followers == 1500
    assert DirtyProfile.objects.filter(profile=amy).exists()
    assert list(amy.snapshots.values_list("followers", flat=True)) == [1000, 1500]


def test_older_file_does_not_overwrite_latest_counts(tmp_path: Path) -> None:
    import_file(path=_profiles_csv(tmp_path, ["instagram,amy,Amy,GB,,2000,1,1,,2026-02-01"]), kind="profiles")

    import_file(
        path=_profiles_csv(tmp_path, ["instagram,amy,Amy,GB,,1000,1,1,,2026-01-01"], "old.csv"),
        kind="profiles",
    )

    assert Profile.objects.get(handle="amy").followers == 2000
    assert FollowerSnapshot.objects.filter(profile__handle="amy").count() == 2


def test_duplicate_keys_last_row_wins_and_is_reported(tmp_path: Path) -> None:
    path = _profiles_csv(tmp_path, ["instagram,amy,Amy,GB,,1000,,,,", "instagram,AMY,Amy B,GB,,2000,,,,"])

    summary = import_file(path=path, kind="profiles")

    assert (summary.created, summary.rejected, summary.duplicates) == (1, 1, 1)
    assert Profile.objects.get(handle="amy").followers == 2000
    assert summary.errors[0]["row"] == 1
    assert "superseded by row 2" in summary.errors[0]["reason"]


def test_bad_rows_rejected_with_row_column_value_and_reason(tmp_path: Path) -> None:
    path = _profiles_csv(
        tmp_path,
        [
            "instagram,amy,Amy,GB,,-5,,,,",
            "instagram,ben,Ben,GB,,99b,,,,",
            "instagram,cat,Cat,GB,,10,,,,2999-01-01",
        ],
    )

    summary = import_file(path=path, kind="profiles")

    assert summary.rejected == 3
    assert summary.created == 0
    reasons = {e["row"]: (e["column"], e["value"], e["reason"]) for e in summary.errors}
    assert reasons[1][:2] == ("followers", "-5")
    assert "negative" in reasons[1][2]
    assert "absurdly large" in reasons[2][2]
    assert reasons[3][0] == "snapshot_date"
    assert "future" in reasons[3][2]
    assert summary.rejected_rows[0]["cells"][1] == "amy"


def test_strict_mode_imports_nothing_when_a_row_fails(tmp_path: Path) -> None:
    path = _profiles_csv(
        tmp_path, ["instagram,amy,Amy,GB,Beauty,1000,,,,2026-01-01", "instagram,ben,Ben,GB,,-1,,,,"]
    )

    summary = import_file(path=path, kind="profiles", strict=True)

    assert not summary.ok
    assert not summary.committed
    assert "nothing was imported" in summary.message
    assert not Profile.objects.exists()
    assert not FollowerSnapshot.objects.exists()
    with pytest.raises(CommandError, match="Strict mode"):
        call_command("import_profiles", str(path), strict=True, stdout=io.StringIO())


def test_snapshots_need_known_accounts_and_move_latest_counts(tmp_path: Path) -> None:
    ProfileFactory(platform="instagram", handle="amy", followers=10, stats_as_of=dt.date(2026, 1, 1))
    path = _write(
        tmp_path,
        "snaps.csv",
        "platform,handle,date,followers,following,posts_count\n"
        "instagram,amy,2026-01-08,1200,10,5\ninstagram,amy,2026-01-15,1300,,6\ninstagram,ghost,2026-01-15,5,,\n",
    )

    summary = import_file(path=path, kind="snapshots")

    assert (summary.created, summary.rejected) == (2, 1)
    assert "import its profile first" in summary.errors[0]["reason"]
    amy = Profile.objects.get(handle="amy")
    assert (amy.followers, amy.following, amy.posts_count, amy.stats_as_of) == (
        1300,
        400,
        6,
        dt.date(2026, 1, 15),
    )
    assert import_file(path=path, kind="snapshots").unchanged == 2


def test_posts_hidden_likes_hashtags_and_idempotency(tmp_path: Path) -> None:
    ProfileFactory(platform="tiktok", handle="ben")
    path = _write(
        tmp_path,
        "posts.csv",
        "platform,handle,post_id,posted_at,kind,likes,comments,shares,saves,views,is_sponsored,caption,hashtags\n"
        "tiktok,ben,1,2026-01-01T10:00:00Z,video,,5,1,,900,true,Hello #Dance,\n"
        "tiktok,ben,2,2026-01-02 10:00,,10,1,,,100,no,,fyp;dance\n",
    )

    first = import_file(path=path, kind="posts")
    second = import_file(path=path, kind="posts")

    assert first.created == 2
    assert second.unchanged == 2
    hidden = Post.objects.get(external_id="1")
    assert hidden.likes is None
    assert hidden.is_sponsored
    assert hidden.hashtags == ["dance"]
    other = Post.objects.get(external_id="2")
    assert other.kind == "video"
    assert other.hashtags == ["fyp", "dance"]
    assert other.posted_at == dt.datetime(2026, 1, 2, 10, tzinfo=dt.UTC)


def test_follower_samples(tmp_path: Path) -> None:
    ProfileFactory(platform="instagram", handle="amy")
    path = _write(
        tmp_path,
        "followers.csv",
        "platform,handle,follower_username,follower_posts,follower_following,follower_followers,"
        "has_profile_picture,is_private\ninstagram,amy,bot12345,0,7500,3,no,false\ninstagram,amy,jo,40,300,280,yes,1\n",
    )

    summary = import_file(path=path, kind="followers")

    assert summary.created == 2
    bot = FollowerSample.objects.get(username="bot12345")
    assert (bot.following, bot.has_profile_picture, bot.is_private) == (7500, False, False)


def test_windows_1252_file_keeps_its_accents(tmp_path: Path) -> None:
    text = PROFILE_HEADER + "instagram,zoe.cafe,Zoë Café Ñandú,FR,Cuisine,1000,,,,\n"
    path = _write(tmp_path, "legacy.csv", text, encoding="cp1252")

    summary = import_file(path=path, kind="profiles")

    assert summary.encoding == "cp1252"
    assert summary.created == 1
    assert Profile.objects.get(handle="zoe.cafe").name == "Zoë Café Ñandú"


def test_xlsx_json_and_jsonl_formats(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Platform", "Username", "Followers"])
    sheet.append(["instagram", "xl_user", 1500])
    workbook.save(tmp_path / "book.xlsx")
    records = [{"platform": "youtube", "handle": "json_user", "followers": "2.5k"}]
    (tmp_path / "data.json").write_text(json.dumps(records), encoding="utf-8")
    (tmp_path / "data.jsonl").write_text(
        '{"platform": "tiktok", "handle": "jl_user", "followers": 7}\n{"broken\n', encoding="utf-8"
    )

    xlsx = import_file(path=tmp_path / "book.xlsx", kind="profiles")
    js = import_file(path=tmp_path / "data.json", kind="profiles")
    jl = import_file(path=tmp_path / "data.jsonl", kind="profiles")

    assert (xlsx.format, xlsx.created) == ("xlsx", 1)
    assert (js.format, js.created) == ("json", 1)
    assert (jl.format, jl.created, jl.rejected) == ("jsonl", 1, 1)
    assert Profile.objects.get(handle="json_user").followers == 2500


def test_command_json_output_and_mapping_file(tmp_path: Path) -> None:
    data = _write(tmp_path, "yt.csv", "Youtuber,subs,Rank\ntseries,224.4M,1\n")
    mapping = _write(tmp_path, "map.json", json.dumps({"handle": "Youtuber", "followers": "subs"}))
    out = io.StringIO()

    call_command(
        "import_profiles", str(data), platform="youtube", mapping=str(mapping), json=True, stdout=out
    )

    summary = json.loads(out.getvalue())
    assert {k: summary[k] for k in ("total", "created", "updated", "unchanged", "rejected")} == {
        "total": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert summary["errors"] == []
    assert Profile.objects.get(platform="youtube", handle="tseries").followers == 224_400_000


def test_resume_after_a_crash_gives_the_rows_of_a_clean_import(tmp_path: Path) -> None:
    rows = [f"instagram,user{i},User {i},GB,,{1000 + i},,,,2026-01-01" for i in range(10)]
    rows[4] = "instagram,user4,User 4,GB,,-1,,,,"
    path = _profiles_csv(tmp_path, rows)
    job = ImportJob.objects.create(original_name="profiles.csv", file=str(path), kind="profiles")

    def crash(done: int, total: int) -> None:
        if done >= 6:
            raise KeyboardInterrupt  # as a killed worker: after chunk 3 was committed

    with pytest.raises(KeyboardInterrupt):
        import_file(path=path, kind="profiles", job=job, chunk_size=3, progress=crash)
    job.refresh_from_db()
    assert job.checkpoint_row == 6
    assert Profile.objects.count() == 5

    summary = import_file(path=path, kind="profiles", job=job, chunk_size=3)

    assert (summary.total, summary.created, summary.rejected) == (10, 9, 1)
    assert Profile.objects.count() == 9
    assert FollowerSnapshot.objects.count() == 9


def test_rejected_rows_csv_is_formula_safe(tmp_path: Path) -> None:
    path = _profiles_csv(
        tmp_path, ["instagram,=HYPERLINK(1),Evil,GB,,10,,,,", "instagram,ok,@SUM(A1),GB,,-1,,,,"]
    )
    summary = import_file(path=path, kind="profiles")
    job = ImportJob.objects.create(
        original_name="profiles.csv",
        kind="profiles",
        rejected_rows=summary.rejected_rows,
        summary=summary.as_dict(),
    )

    lines = list(import_job_rejected_rows(job=job))

    assert lines[0][-2:] == ["_row", "_error"]
    assert lines[1][1] == "'=HYPERLINK(1)"
    assert lines[2][2] == "'@SUM(A1)"
    assert lines[2][5] == "'-1"
    assert [safe_cell(x) for x in ["+1", "\tx", "\rx", "plain"]] == ["'+1", "'\tx", "'\rx", "plain"]
    reread = list(csv.reader(io.StringIO("\n".join(",".join(c) for c in lines[:1]))))
    assert reread[0][0] == "platform"
