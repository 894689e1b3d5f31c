"""The synthetic catalogue generator: deterministic, complete, realistic, and chunk-invariant."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from discovery.generator import (
    CAPTIONS,
    CITIES,
    FILES,
    NICHES,
    POST_COLUMNS,
    PROFILE_COLUMNS,
    SNAPSHOT_COLUMNS,
    generate_catalog,
    tier_of,
)

AS_OF = dt.date(2026, 11, 16)


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / f"{name}.csv").read_bytes()).hexdigest() for name in FILES}


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(
            folder / f"{name}.csv", keep_default_na=False, na_values=[""], dtype={"handle": str}
        )
        for name in FILES
    }


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("catalogue")
    generate_catalog(profiles=3_000, seed=7, out_dir=out, as_of=AS_OF, chunk_size=1_000)
    return _read(out)


def test_same_seed_writes_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    # when
    generate_catalog(profiles=400, seed=11, out_dir=tmp_path / "a", as_of=AS_OF)
    generate_catalog(profiles=400, seed=11, out_dir=tmp_path / "b", as_of=AS_OF)
    generate_catalog(profiles=400, seed=12, out_dir=tmp_path / "c", as_of=AS_OF)

    # then
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a")["profiles"] != _digests(tmp_path / "c")["profiles"]


def test_chunked_writing_is_byte_identical_to_one_chunk(tmp_path: Path) -> None:
    # when: the same catalogue in one chunk, in uneven chunks, and one profile at a time
    generate_catalog(profiles=500, seed=5, out_dir=tmp_path / "one", as_of=AS_OF, chunk_size=500)
    generate_catalog(profiles=500, seed=5, out_dir=tmp_path / "many", as_of=AS_OF, chunk_size=37)
    generate_catalog(profiles=500, seed=5, out_dir=tmp_path / "tiny", as_of=AS_OF, chunk_size=1)

    # then
    assert _digests(tmp_path / "one") == _digests(tmp_path / "many") == _digests(tmp_path / "tiny")


def test_files_have_exactly_the_import_columns(catalogue: dict[str, pd.DataFrame]) -> None:
    # then
    assert list(catalogue["profiles"].columns) == PROFILE_COLUMNS
    assert list(catalogue["snapshots"].columns) == SNAPSHOT_COLUMNS
    assert list(catalogue["posts"].columns) == POST_COLUMNS
    assert len(catalogue["profiles"]) == 3_000


def test_vocabularies_cannot_break_the_unquoted_csv() -> None:
    # then: every free-text vocabulary is free of separators, quotes and newlines
    for word in [*CAPTIONS, *NICHES, *CITIES]:
        assert not set(word) & {",", '"', "\n", "\r"}, word


def test_keys_are_unique_lower_case_and_consistent_across_files(catalogue: dict[str, pd.DataFrame]) -> None:
    # given
    profiles, snapshots, posts = catalogue["profiles"], catalogue["snapshots"], catalogue["posts"]
    keys = set(zip(profiles.platform, profiles.handle, strict=True))

    # then
    assert len(keys) == len(profiles)
    assert (profiles.handle == profiles.handle.str.lower()).all()
    assert set(profiles.platform) == {"instagram", "tiktok", "youtube"}
    assert set(zip(snapshots.platform, snapshots.handle, strict=True)) == keys
    assert set(zip(posts.platform, posts.handle, strict=True)) == keys
    assert not snapshots.duplicated(["platform", "handle", "date"]).any()
    assert not posts.duplicated(["platform", "handle", "post_id"]).any()


def test_every_tier_is_present_mostly_nano_and_micro(catalogue: dict[str, pd.DataFrame]) -> None:
    # when
    tiers = pd.Series(tier_of(catalogue["profiles"].followers.to_numpy())).value_counts(normalize=True)

    # then
    assert set(tiers.index) == {"nano", "micro", "macro", "mega"}
    assert tiers["nano"] + tiers["micro"] > 0.85
    assert tiers["micro"] > tiers["macro"] > tiers["mega"]


def test_median_er_by_followers_falls_with_size(catalogue: dict[str, pd.DataFrame]) -> None:
    # given: Instagram posts with visible likes, ER by the profile's followers
    profiles = catalogue["profiles"].set_index(["platform", "handle"])
    posts = catalogue["posts"]
    posts = posts[(posts.platform == "instagram") & posts.likes.notna()].join(
        profiles.followers, on=["platform", "handle"]
    )
    posts = posts.assign(
        er=(posts.likes + posts.comments) / posts.followers * 100, tier=tier_of(posts.followers.to_numpy())
    )

    # when
    medians = posts.groupby("tier").er.median()

    # then: decreasing, and near DOMAIN.md's benchmarks (nano ~4-8 %, micro ~2-4 %, macro/mega ~1.5 %)
    assert medians["nano"] > medians["micro"] > medians["macro"]
    assert medians["macro"] >= medians["mega"] * 0.9
    assert 3.0 < medians["nano"] < 9.0
    assert 1.5 < medians["micro"] < 4.5
    assert 1.0 < medians["mega"] < 2.2


def test_hidden_likes_sponsored_posts_and_video_views(catalogue: dict[str, pd.DataFrame]) -> None:
    # given
    posts = catalogue["posts"]
    video = posts.kind.isin(["video", "reel", "short"])

    # then: hidden likes are empty cells on a few posts (not zero)
    hidden_share = posts.likes.isna().mean()
    assert 0.005 < hidden_share < 0.1
    # sponsored posts say so in the caption and the hashtags
    sponsored = posts[posts.is_sponsored]
    assert 0.02 < len(sponsored) / len(posts) < 0.2
    assert sponsored.caption.str.contains("#ad").all()
    assert sponsored.hashtags.str.split(";").map(lambda tags: "ad" in tags).all()
    assert not posts[~posts.is_sponsored].caption.str.contains("#ad").any()
    # views for video kinds only
    assert posts.loc[video, "views"].notna().all()
    assert posts.loc[~video, "views"].isna().all()
    counts = posts.groupby(["platform", "handle"]).size()
    assert counts.min() >= 12
    assert counts.max() <= 30


def test_weekly_snapshots_grow_and_include_round_one_day_follower_spikes(
    catalogue: dict[str, pd.DataFrame],
) -> None:
    # given
    snaps = catalogue["snapshots"].sort_values(["platform", "handle", "date"])
    snaps["date"] = pd.to_datetime(snaps.date)
    grouped = snaps.groupby(["platform", "handle"])

    # when
    weekly = snaps[snaps.date.dt.day_of_week == AS_OF.weekday()].groupby(["platform", "handle"])
    gaps = grouped.date.diff().dt.days
    gains = grouped.followers.diff()
    first_last = weekly.followers.agg(["first", "last"])
    median_weekly_gain = weekly.followers.diff().groupby([snaps.platform, snaps.handle]).median()
    spike_gains = gains[gaps == 1]
    spike_accounts = snaps.loc[spike_gains.index, ["platform", "handle"]].apply(tuple, axis=1)

    # then: 13-26 weekly snapshots ending on the as-of date, mostly growing
    assert weekly.size().between(13, 26).all()
    assert set(gaps.dropna()) <= {1, 6, 7}
    assert snaps.date.max() == pd.Timestamp(AS_OF)
    assert (first_last["last"] > first_last["first"]).mean() > 0.9
    # planted spikes: a round jump (1K/5K/10K/50K) within one day, far above the account's usual day
    assert len(spike_gains) >= 20
    assert set(spike_gains) <= {1_000, 5_000, 10_000, 50_000}
    assert len(set(spike_gains)) >= 3
    usual_daily_gain = median_weekly_gain.loc[list(spike_accounts)].abs().to_numpy() / 7
    assert (spike_gains.to_numpy() > 5 * usual_daily_gain).all()


def _big_reversals(following: pd.Series) -> int:
    """Direction reversals among week-to-week changes of 5 % or more."""
    change = following.diff()
    big = change.abs() >= 0.05 * following.shift().abs().clip(lower=1)
    return int((np.sign(change[big]).diff().abs() == 2).sum())


def test_mass_followers_and_following_seesaw_are_present(catalogue: dict[str, pd.DataFrame]) -> None:
    # given
    profiles, snaps = (
        catalogue["profiles"],
        catalogue["snapshots"].sort_values(["platform", "handle", "date"]),
    )

    # when
    swings = snaps.groupby(["platform", "handle"]).following.apply(_big_reversals)

    # then: a few mass-followers; seesaws on a few accounts and not on the rest
    assert (profiles.following > 1_500).mean() > 0.02
    assert (swings >= 8).sum() >= 10
    assert (swings >= 8).mean() < 0.05


def test_profiles_carry_niches_countries_languages_and_audience(catalogue: dict[str, pd.DataFrame]) -> None:
    # given
    profiles = catalogue["profiles"]

    # when
    niches = {n for cell in profiles.niches for n in cell.split(";")}

    # then
    assert len(niches) >= 18
    assert niches <= set(NICHES)
    assert profiles.country.nunique() >= 10
    assert profiles.language.nunique() >= 5
    assert profiles.audience_countries.str.fullmatch(r"[A-Z]{2}:\d+;[A-Z]{2}:\d+").all()
    assert profiles.audience_female_pct.between(0, 100).all()
    assert (profiles.snapshot_date == AS_OF.isoformat()).all()
    assert profiles.verified.any()
    assert not profiles.verified.all()


def test_command_writes_files_and_prints_progress_per_chunk(tmp_path: Path, capsys) -> None:
    # when
    call_command("generate_catalog", profiles=250, seed=1, out=str(tmp_path), chunk_size=100)

    # then
    out = capsys.readouterr().out
    assert out.count("%]") == 3
    assert "[100%] 250/250 profiles" in out
    assert "Wrote 250 profiles" in out
    assert len(pd.read_csv(tmp_path / "profiles.csv")) == 250


@pytest.mark.parametrize(
    ("options", "message"),
    [({"profiles": 0}, "--profiles must be at least 1"), ({"chunk_size": 0}, "--chunk-size must be")],
)
def test_command_rejects_bad_sizes_with_a_clear_error(tmp_path: Path, options: dict, message: str) -> None:
    # when / then
    with pytest.raises(CommandError, match=message):
        call_command("generate_catalog", out=str(tmp_path), **options)


def test_command_rejects_a_bad_as_of_date_saying_which_option(tmp_path: Path) -> None:
    # when / then
    with pytest.raises(CommandError, match=r"--as-of must be a date like 2026-11-16, not '2026-13-01'"):
        call_command("generate_catalog", "--as-of", "2026-13-01", "--out", str(tmp_path))
    assert not (tmp_path / "profiles.csv").exists()


def test_command_as_of_sets_the_latest_snapshot_date(tmp_path: Path) -> None:
    # when
    call_command("generate_catalog", "--as-of", "2025-01-31", "--profiles", "5", "--out", str(tmp_path))

    # then
    snapshots = pd.read_csv(tmp_path / "snapshots.csv")
    assert snapshots.date.max() == "2025-01-31"
    assert (pd.read_csv(tmp_path / "profiles.csv").snapshot_date == "2025-01-31").all()
