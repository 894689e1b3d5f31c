"""Each search's FilterSet and form get their own filters and fields, as with django-filter's deep copies."""

from __future__ import annotations

import pytest
from django import forms
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


SENT_QUERIES = [
    "",
    "niche=beauty&tier=micro&er_min=2&price_max=500",
    "er_by=views&er_min=5&ordering=-er",
    "audience_country=gb&audience_country_min=30&quality_min=60",
    "niche=nope&er_min=abc&country=GBR&tier=huge&followers_min=-5",
    "q=vegan&ordering=engagement&page=2&page_size=50&unknown=1",
    "verified=true&has_quoted_rate=false&language=DE&sponsored_max=10",
    "tier=&er_min=&niche=",
]


@pytest.mark.parametrize("query", SENT_QUERIES)
def test_a_filterset_of_the_sent_parameters_filters_and_errs_as_the_whole_one(query) -> None:
    NicheFactory(slug="beauty", name="Beauty")
    whole = ProfileFilterSet(QueryDict(query), queryset=profile_list())
    sent = ProfileFilterSet(QueryDict(query), queryset=profile_list(), sent_only=True)

    assert sent.is_valid() == whole.is_valid()
    assert sent.errors == whole.errors
    assert list(sent.errors) == list(whole.errors)
    if whole.is_valid():
        assert str(sent.qs.query) == str(whole.qs.query)
        assert sent.active_filters() == whole.active_filters()
        assert sent._narrows() == whole._narrows()
    assert set(sent.form.fields) == {
        name for name in ProfileFilterSet.base_filters if name in QueryDict(query)
    }


def test_the_whole_form_still_has_every_field_after_a_sent_only_search() -> None:
    ProfileFilterSet(QueryDict("tier=micro"), queryset=profile_list(), sent_only=True).form  # noqa: B018

    whole = ProfileFilterSet(QueryDict("tier=micro"), queryset=profile_list())

    assert list(whole.form.fields) == list(ProfileFilterSet.base_filters)


def test_every_filter_reads_the_parameter_of_its_own_name_only() -> None:
    # sent_only keeps the filters whose name is in the query: a widget reading other keys (a range's
    # _min/_max, a multi-widget's _0/_1) would be dropped while its parameters were sent.
    form = ProfileFilterSet(QueryDict(""), queryset=profile_list()).form
    for name, field in form.fields.items():
        assert not isinstance(field.widget, forms.MultiWidget), name
        assert field.widget.value_from_datadict(QueryDict(f"{name}_min=1&{name}_0=1"), {}, name) in (
            None,
            [],
            "",
        ), name
