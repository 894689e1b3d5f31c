"""Each search's FilterSet and form get their own filters and fields, as with django-filter's deep copies."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from discovery.filters import ProfileFilterSet
from discovery.selectors import profile_list
from tests.factories.discovery import NicheFactory

pytestmark = pytest.mark.django_db


def _filterset(query: str) -> ProfileFilterSet:
    filterset = ProfileFilterSet(QueryDict(query), queryset=profile_list())
    assert filterset.is_valid(), filterset.errors
    return filterset


def test_two_searches_share_no_filter_field_or_widget() -> None:
    NicheFactory(slug="beauty", name="Beauty")
    one, two = _filterset("niche=beauty&tier=micro"), _filterset("tier=macro&ordering=cpe")

    for name in ProfileFilterSet.base_filters:
        assert one.filters[name] is not two.filters[name]
        assert one.filters[name].parent is one
        assert two.filters[name].parent is two
        assert one.filters[name].extra is not two.filters[name].extra
        assert one.form.fields[name] is not two.form.fields[name]
        assert one.form.fields[name].widget is not two.form.fields[name].widget
        assert one.form.fields[name].widget.attrs is not two.form.fields[name].widget.attrs
        assert one.form.fields[name].validators is not two.form.fields[name].validators
    one.form.fields["tier"].widget.attrs["class"] = "changed"
    one.form.fields["q"].validators.append(lambda value: None)

    three = _filterset("")
    assert "class" not in three.form.fields["tier"].widget.attrs
    assert len(three.form.fields["q"].validators) == len(two.form.fields["q"].validators)


def test_method_filters_call_their_own_filterset() -> None:
    one, two = _filterset("er_by=views&er_min=5"), _filterset("er_min=5")

    assert '"scoring_profilescore"."er_views" >= 5' in str(one.qs.query)
    assert '"scoring_profilescore"."er_views" >= 5' not in str(two.qs.query)
    assert '"scoring_profilescore"."er" >= 5' in str(two.qs.query)


def test_niche_choices_are_read_fresh_for_each_search() -> None:
    NicheFactory(slug="beauty", name="Beauty")
    before = _filterset("niche=beauty")
    NicheFactory(slug="travel", name="Travel")

    after = _filterset("niche=travel")

    assert before.form.fields["niche"].queryset is not after.form.fields["niche"].queryset
    assert [slug for slug, _ in after.form.fields["niche"].choices] == ["beauty", "travel"]
    assert [n.slug for n in after.form.cleaned_data["niche"]] == ["travel"]
