"""HTML forms of campaigns: parse and validate input, then hand cleaned data to a service."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from campaigns.models import CampaignStatus, Compensation, Objective, PipelineStatus
from core.models import Organisation
from discovery.models import Niche, Platform
from scoring.models import Tier

CODE_RE = re.compile(r"^[A-Za-z]{2}$")


def _split(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\s]+", value or "") if p.strip()]


class CodesField(forms.CharField):
    """Comma-separated ISO codes (GB, FR or en, fr) as an upper/lower-cased list."""

    def __init__(self, *args: Any, upper: bool = True, **kwargs: Any) -> None:
        self.upper = upper
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        codes = _split(super().clean(value))
        bad = [c for c in codes if not CODE_RE.match(c)]
        if bad:
            raise forms.ValidationError(
                f"Use two-letter codes separated by commas; not valid: {', '.join(bad)}."
            )
        return [c.upper() if self.upper else c.lower() for c in codes]


class TagsField(forms.CharField):
    """Comma-separated hashtags or mentions, stored without # or @."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        return [t.lstrip("#@").lower() for t in _split(super().clean(value))]


class CampaignForm(forms.Form):
    """A brief: who it is for, what it wants, and within which budget."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Client brand")
    name = forms.CharField(max_length=200)
    objective = forms.ChoiceField(choices=Objective.choices)
    niches = forms.ModelMultipleChoiceField(queryset=Niche.objects.all(), required=False)
    platforms = forms.MultipleChoiceField(
        choices=Platform.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    countries = CodesField(help_text="e.g. GB, IE; empty = any")
    languages = CodesField(upper=False, help_text="e.g. en; empty = any")
    tiers = forms.MultipleChoiceField(
        choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    min_quality = forms.IntegerField(
        min_value=0, max_value=100, required=False, label="Minimum audience quality"
    )
    budget = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2)
    currency = forms.CharField(max_length=3, initial="GBP")
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deliverables_count = forms.IntegerField(min_value=1, max_value=100, initial=1, label="Posts per creator")
    deliverables = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    hashtags = TagsField(label="Branded hashtags")
    mentions = TagsField()
    guidelines = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    status = forms.ChoiceField(choices=CampaignStatus.choices, initial=CampaignStatus.DRAFT)

    def __init__(self, *args: Any, brands: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = brands if brands is not None else Organisation.objects.none()

    def clean_currency(self) -> str:
        value = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise forms.ValidationError("Use a three-letter currency code such as GBP.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return data


class EntryForm(forms.Form):
    """Fee, terms and notes of one shortlisted account."""

    fee = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, required=False, label="Quoted fee / post"
    )
    compensation = forms.ChoiceField(choices=Compensation.choices)
    gift_value = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    commission_pct = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, required=False)
    agreed_fee = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False)
    agreed_deliverables = forms.CharField(required=False, max_length=2000)
    pinned = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MoveForm(forms.Form):
    """A pipeline move."""

    status = forms.ChoiceField(choices=PipelineStatus.choices)
    note = forms.CharField(max_length=500, required=False)


class SuggestForm(forms.Form):
    """Options of the budget-optimal suggestion."""

    budget = forms.DecimalField(min_value=0.01, max_digits=12, decimal_places=2, required=False)
    min_creators = forms.IntegerField(min_value=0, max_value=500, initial=1, required=False)
    max_creators = forms.IntegerField(min_value=1, max_value=500, required=False)
    max_share = forms.DecimalField(
        min_value=1, max_value=100, decimal_places=1, required=False, label="Max % of budget per creator"
    )
    quality_min = forms.IntegerField(min_value=0, max_value=100, required=False, label="Min audience quality")
    time_limit = forms.FloatField(
        min_value=0.5, max_value=60, initial=10, required=False, label="Time limit (s)"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lo, hi = data.get("min_creators"), data.get("max_creators")
        if lo is not None and hi is not None and hi < lo:
            self.add_error("max_creators", "The maximum must be at least the minimum.")
        return data


class ResultForm(forms.Form):
    """Results of one published post."""

    entry = forms.TypedChoiceField(coerce=int, label="Creator")
    post_ref = forms.CharField(max_length=500, label="Post URL or id")
    published_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    views = forms.IntegerField(min_value=0, required=False)
    reach = forms.IntegerField(min_value=0, required=False)
    impressions = forms.IntegerField(min_value=0, required=False)
    likes = forms.IntegerField(min_value=0, required=False)
    comments = forms.IntegerField(min_value=0, required=False)
    shares = forms.IntegerField(min_value=0, required=False)
    saves = forms.IntegerField(min_value=0, required=False)
    clicks = forms.IntegerField(min_value=0, required=False)
    conversions = forms.IntegerField(min_value=0, required=False)
    revenue = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False)
    cost = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False)

    def __init__(self, *args: Any, entries: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [
            (e.pk, f"@{e.profile.handle} ({e.profile.platform})") for e in entries
        ]


class ImportForm(forms.Form):
    """A results CSV."""

    file = forms.FileField(help_text="CSV with handle, post and any of the metric columns")
