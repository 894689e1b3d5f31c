"""Scoring the real 2022 and top-200 files (../shared/data): tiers and imported-average ER by hand."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from discovery.models import Profile
from discovery.services.imports import import_file
from scoring.models import ProfileScore
from tests.services import shared_data_dir

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]

DEC_2022 = [
    "social media influencers-INSTAGRAM - -DEC 2022.csv",
    "social media influencers-TIKTOK - ---DEC 2022.csv",
    "social media influencers-YOUTUBE - --DEC 2022.csv",
]


def _expected_tier(followers: int) -> str:
    """DOMAIN.md default scheme, written out independently of scoring.metrics."""
    if followers >= 1_000_000:
        return "mega"
    if followers >= 100_000:
        return "macro"
    if followers >= 1_000:
        return "micro"
    return "nano"


def _score(platform: str, handle: str) -> ProfileScore:
    return ProfileScore.objects.select_related("profile").get(
        profile__platform=platform, profile__handle=handle
    )


@pytest.fixture
def dec_2022() -> None:
    root = shared_data_dir() / "social-media-influencers-2022"
    for name in DEC_2022:
        assert import_file(path=root / name, kind="profiles").ok, name
    call_command("score_profiles", all=True)


def test_every_profile_of_the_dec_2022_files_has_the_tier_of_its_followers(dec_2022) -> None:
    profiles = list(Profile.objects.select_related("score").exclude(followers=None))

    assert len(profiles) > 2_500
    wrong = [
        (p.platform, p.handle, p.followers, p.score.tier)
        for p in profiles
        if p.score.tier != _expected_tier(p.followers)
    ]
    assert wrong == []
    assert {p.score.tier for p in profiles} >= {"mega", "macro"}


def test_imported_average_er_of_named_profiles_matches_hand_computation(dec_2022) -> None:
    # TikTok, mrbeast: (3,500,000 likes + 30,800 comments + 7,200 shares) / 29,200,000 views
    mrbeast = _score("tiktok", "mrbeast")
    assert mrbeast.er == pytest.approx(3_538_000 / 29_200_000 * 100)
    assert (mrbeast.er_method, mrbeast.er_provenance, mrbeast.er_posts_used) == ("views", "imported", 0)
    assert mrbeast.er_as_of == mrbeast.profile.stats_as_of
    # YouTube, tseries: (2,800 likes + 158 comments) / 103,800 views
    tseries = _score("youtube", "tseries")
    assert tseries.er == pytest.approx(2_958 / 103_800 * 100)
    assert tseries.er_method == "views"
    # Instagram, leomessi: engagement average 23,400,000 / 409,800,000 followers
    messi = _score("instagram", "leomessi")
    assert messi.er == pytest.approx(23_400_000 / 409_800_000 * 100)
    assert (messi.er_method, messi.er_provenance) == ("followers", "imported")
    assert messi.tier == "mega"
    assert messi.price_provenance == "estimated"
    assert messi.currency == "GBP"


def test_top_200_imported_er_from_average_likes() -> None:
    path = shared_data_dir() / "top-200-instagram" / "top_insta_influencers_data.csv"
    assert import_file(path=path, kind="profiles").ok

    call_command("score_profiles")

    # cristiano: 8.7m average likes / 475.8m followers (no comment average in this file)
    cristiano = _score("instagram", "cristiano")
    assert cristiano.er == pytest.approx(8_700_000 / 475_800_000 * 100)
    assert cristiano.er_provenance == "imported"
    assert ProfileScore.objects.count() == Profile.objects.count() >= 199
    assert not ProfileScore.objects.exclude(tier="mega").exclude(profile__followers__lt=1_000_000).exists()
