"""Header recognition: synonyms, twins, swapped name/handle columns, the shifted June header, mappings."""

from __future__ import annotations

import datetime as dt

import pytest

from discovery.importing import headers as hdr


def test_normalise_ignores_case_spaces_newlines_and_punctuation() -> None:
    assert hdr.normalise("Eng. (Avg.)\r\n") == "engavg"
    assert hdr.normalise(" Subscribers") == "subscribers"


def test_synonyms_and_exact_twin_first() -> None:
    headers = ["Tiktoker name", "Tiktok name", "Subscribers count", "Subscribers count"]
    sample = [["dojacat", "Doja Cat", "22.2M", "22200000"], ["ekin.721", "MOMO's", "221.7K", "221700"]]

    mapping = hdr.propose_mapping("profiles", headers, sample)

    assert mapping.fields["handle"] == [0]
    assert mapping.fields["name"] == [1]
    assert mapping.fields["followers"] == [3, 2]  # the exact number first


def test_name_column_holding_handles_is_read_as_handle() -> None:
    headers = ["Name", "Instagram Name", "Followers"]
    sample = [["cristiano", "Cristiano Ronaldo", "1"], ["kyliejenner", "Kylie 🤍", "2"]]

    mapping = hdr.propose_mapping("profiles", headers, sample)

    assert mapping.fields["handle"] == [0]
    assert mapping.fields["name"] == [1]
    assert any("holds handles" in note for note in mapping.notes)


def test_shifted_header_with_countries_in_views_column() -> None:
    headers = ["instagram name", "influencer name", "Views avg.", "Likes avg", "Comments avg."]
    sample = [
        ["433", "433", "Spain", "274.9K", "456.7K"],
        ["kimwoobin", "김우빈", "Indonesia", "449.4K", "592.7K"],
    ]

    mapping = hdr.propose_mapping("profiles", headers, sample)

    assert mapping.fields["audience_main_country"] == [2]
    assert mapping.fields["avg_engagements"] == [4]
    assert "avg_likes" not in mapping.fields
    assert 3 in mapping.ignored


def test_unknown_and_missing_columns_are_clear_errors() -> None:
    mapping = hdr.propose_mapping("snapshots", ["handle", "mystery"], [["a", "b"]])

    with pytest.raises(hdr.MappingError) as exc:
        mapping.validate(platform_known=False, date_known=False)

    message = str(exc.value)
    assert "'mystery' (column 2)" in message
    assert "platform" in message
    assert "date" in message
    assert "followers" in message


def test_explicit_mapping_overrides_and_ignores() -> None:
    mapping = hdr.propose_mapping("profiles", ["Youtuber", "subs", "junk"], [["tseries", "1", "x"]])

    hdr.apply_overrides(mapping, {"handle": "Youtuber", "followers": "subs", "_ignore": ["junk"]})

    assert mapping.fields["handle"] == [0]
    assert mapping.fields["followers"] == [1]
    mapping.validate(platform_known=True, date_known=False)
    with pytest.raises(hdr.MappingError, match="not in the file"):
        hdr.apply_overrides(mapping, {"handle": "nope"})


def test_platform_and_snapshot_date_from_file_name() -> None:
    assert hdr.infer_platform("social media influencers-TIKTOK - ---DEC 2022.csv", []) == "tiktok"
    assert hdr.infer_platform("top_insta_influencers_data.csv", []) == "instagram"
    assert hdr.infer_platform("data.csv", ["Youtuber", "x"]) == "youtube"
    assert hdr.infer_snapshot_date("social media influencers - instagram sep-2022.csv") == dt.date(2022, 9, 1)
    assert hdr.infer_snapshot_date("x-instagram june 2022 - june 2022.csv") == dt.date(2022, 6, 1)
    assert hdr.infer_snapshot_date("social media influencers - instagram.csv") is None
