"""Every real third-party file in ../shared/data imports with every row accounted for, values hand-checked."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from discovery.models import FollowerSnapshot, Niche, Profile
from discovery.services.imports import import_file
from tests.services import shared_data_dir

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]

SET_2022 = "social-media-influencers-2022"


def _data_rows(path: Path) -> int:
    """Data records as Python's csv module counts them (header and entirely blank rows excluded)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return sum(1 for row in rows[1:] if any(cell.strip() for cell in row))


def _all_files() -> list[Path]:
    root = shared_data_dir()
    files = sorted(root.glob("*/*.csv"))
    assert len(files) == 17, files  # the 15 files of the 2022 set and the two top-200 files
    return files


def test_every_shared_file_imports_with_every_row_accounted_for() -> None:
    for path in _all_files():
        summary = import_file(path=path, kind="profiles")

        assert summary.ok, (path.name, summary.message)
        rows = _data_rows(path)
        assert summary.total == rows, path.name
        assert summary.created + summary.updated + summary.unchanged + summary.rejected == rows, path.name
        assert summary.rejected < rows * 0.6, (path.name, summary.errors[:5])
        assert len([e for e in summary.errors if e["severity"] != "warning"]) >= summary.rejected


def test_cristiano_followers_in_each_2022_instagram_snapshot() -> None:
    root = shared_data_dir() / SET_2022
    expected = {
        "social media influencers - instagram.csv": (None, 419_600_000),
        "social media influencers-instagram june 2022 - june 2022.csv": (dt.date(2022, 6, 1), 459_200_000),
        "social media influencers - instagram sep-2022.csv": (dt.date(2022, 9, 1), 477_900_000),
        "social media influencers-instagram - -nov 2022.csv": (dt.date(2022, 11, 1), 483_100_000),
        "social media influencers-INSTAGRAM - -DEC 2022.csv": (dt.date(2022, 12, 1), 523_000_000),
    }
    for name, (day, followers) in expected.items():
        summary = import_file(path=root / name, kind="profiles")
        assert summary.ok, summary.message
        if day is None:
            # The undated file records no snapshot; the account's counts carry its number.
            assert Profile.objects.get(platform="instagram", handle="cristiano").followers == followers
        else:
            snapshot = FollowerSnapshot.objects.get(
                profile__platform="instagram", profile__handle="cristiano", captured_on=day
            )
            assert snapshot.followers == followers

    cristiano = Profile.objects.get(platform="instagram", handle="cristiano")
    assert cristiano.followers == 523_000_000  # the latest snapshot wins, whatever the import order
    assert cristiano.stats_as_of == dt.date(2022, 12, 1)
    assert cristiano.name == "Cristiano Ronaldo"
    assert FollowerSnapshot.objects.filter(profile=cristiano).count() == 4


def test_top_200_suffixes_percent_and_country() -> None:
    path = shared_data_dir() / "top-200-instagram" / "top_insta_influencers_data.csv"

    summary = import_file(path=path, kind="profiles")

    assert summary.ok
    cristiano = Profile.objects.get(platform="instagram", handle="cristiano")
    assert cristiano.followers == 475_800_000  # 475.8m
    assert cristiano.posts_count == 3_300  # 3.3k
    assert cristiano.avg_likes == pytest.approx(8_700_000)  # 8.7m
    assert cristiano.imported_er == pytest.approx(1.39)  # 1.39%
    assert cristiano.country == "ES"
    messi = Profile.objects.get(platform="instagram", handle="leomessi")
    assert messi.posts_count == 890  # 0.89k
    assert messi.country == ""  # NaN
    assert Profile.objects.get(handle="rkive").imported_er is None  # NaN%
    assert Profile.objects.filter(country="CI").exists()  # the mojibake spelling of Côte d'Ivoire


def test_top_200_raw_and_cleaned_copies_agree() -> None:
    root = shared_data_dir() / "top-200-instagram"
    import_file(path=root / "top_insta_influencers_data.csv", kind="profiles")

    summary = import_file(path=root / "insta.csv", kind="profiles")

    # insta.csv is the same data, parsed by a third party: nothing about the numbers changes.
    assert summary.ok
    assert summary.created == 0
    assert summary.unchanged + summary.rejected == 200


def test_non_ascii_names_niches_and_tiktok_abbreviations() -> None:
    root = shared_data_dir() / SET_2022
    import_file(path=root / "social media influencers-INSTAGRAM - -DEC 2022.csv", kind="profiles")
    import_file(path=root / "social media influencers-tiktok - ---nov 2022.csv", kind="profiles")

    kylie = Profile.objects.get(platform="instagram", handle="kyliejenner")
    assert kylie.name == "Kylie 🤍"
    assert {n.name for n in kylie.niches.all()} == {"Fashion", "Modeling"}
    assert Niche.objects.get(name="Sports with a ball").curated is False
    messi = Profile.objects.get(platform="instagram", handle="leomessi")
    assert messi.avg_engagements == pytest.approx(23_400_000)
    assert messi.country == "AR"
    yossi = Profile.objects.get(platform="tiktok", handle="yossikramer")
    assert yossi.followers == 145_600  # 145.6K, the only spelling in that file
    assert yossi.avg_views == pytest.approx(26_800_000)


def test_june_instagram_mislabelled_header_is_read_by_its_values() -> None:
    path = shared_data_dir() / SET_2022 / "social media influencers-instagram june 2022 - june 2022.csv"

    summary = import_file(path=path, kind="profiles")

    assert any("shifted" in note for note in summary.notes)
    profile = Profile.objects.get(platform="instagram", handle="433")
    assert profile.audience_main_country == "ES"  # the "Views avg." column holds the country
    assert profile.avg_engagements == pytest.approx(456_700)  # "Comments avg." holds engagement avg
    assert profile.avg_likes is None  # "Likes avg" holds authentic engagement, which is not likes
    assert summary.duplicates >= 1


def test_youtube_excel_errors_become_missing_values() -> None:
    path = shared_data_dir() / SET_2022 / "social media influencers - youtube.csv"

    summary = import_file(path=path, kind="profiles")

    checkgate = Profile.objects.get(platform="youtube", handle="checkgate")
    assert checkgate.avg_comments is None  # N/A and #VALOR!
    assert checkgate.avg_views == pytest.approx(13_800_000)
    assert checkgate.audience_main_country == ""
    assert any("not a handle" in e["reason"] for e in summary.errors)  # channel names with spaces


def test_reimporting_a_real_file_changes_nothing() -> None:
    path = shared_data_dir() / SET_2022 / "social media influencers - instagram sep-2022.csv"
    first = import_file(path=path, kind="profiles")

    second = import_file(path=path, kind="profiles")

    assert second.created == 0
    assert second.updated == 0
    assert second.unchanged == first.created + first.updated
    assert second.rejected == first.rejected
    assert second.snapshots == {"created": 0, "updated": 0, "unchanged": first.snapshots["created"]}
