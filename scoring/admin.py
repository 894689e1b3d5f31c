"""Admin for scoring defaults (tier schemes, rate cards, settings), quoted rates, runs and scores.

Every edit that changes what a score would be goes through a service that marks the affected
profiles dirty (or relabels tiers through a task), so the catalogue follows the admin's change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest

from discovery.models import Profile
from scoring.models import ProfileScore, QuotedRate, RateCard, ScoringRun, ScoringSettings, TierScheme
from scoring.services import (
    profiles_mark_dirty,
    profiles_mark_dirty_where,
    quoted_rate_set,
    scoring_settings_changed,
    tier_scheme_apply,
)

THRESHOLD_FIELDS = ("micro_min", "mid_min", "macro_min", "mega_min")


@admin.register(TierScheme)
class TierSchemeAdmin(admin.ModelAdmin):
    list_display = ["platform", "preset", "micro_min", "mid_min", "macro_min", "mega_min", "updated_at"]
    fields = ["platform", "preset", "micro_min", "mid_min", "macro_min", "mega_min"]

    def get_readonly_fields(self, request: HttpRequest, obj: TierScheme | None = None) -> list[str]:
        return ["platform"] if obj else []

    def save_model(self, request: HttpRequest, obj: TierScheme, form: Any, change: bool) -> None:
        """A newly chosen preset sets the numbers; edited numbers make the scheme 'custom'."""
        thresholds = {k: getattr(obj, k) for k in THRESHOLD_FIELDS}
        edited = any(k in form.changed_data for k in THRESHOLD_FIELDS) and "preset" not in form.changed_data
        preset = TierScheme.Preset.CUSTOM if edited else obj.preset
        saved = tier_scheme_apply(platform=obj.platform, preset=preset, **thresholds)
        obj.pk = saved.pk
        messages.info(request, f"Relabelling every {obj.get_platform_display()} profile in the background.")


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    list_display = ["platform", "tier", "deliverable", "currency", "low", "high", "source"]
    list_filter = ["platform", "currency", "tier", "deliverable"]

    def save_model(self, request: HttpRequest, obj: RateCard, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            profiles_mark_dirty_where(queryset=Profile.objects.filter(platform=obj.platform))
        messages.info(
            request, f"{obj.get_platform_display()} profiles will be re-priced on the next scoring run."
        )


@admin.register(QuotedRate)
class QuotedRateAdmin(admin.ModelAdmin):
    list_display = ["profile", "deliverable", "amount", "currency", "note", "updated_at"]
    list_filter = ["deliverable", "currency"]
    search_fields = ["profile__handle"]
    autocomplete_fields = ["profile"]
    list_select_related = ["profile"]

    def save_model(self, request: HttpRequest, obj: QuotedRate, form: Any, change: bool) -> None:
        saved = quoted_rate_set(
            profile=obj.profile,
            deliverable=obj.deliverable,
            amount=obj.amount,
            currency=obj.currency,
            note=obj.note,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: QuotedRate) -> None:
        with transaction.atomic():
            profiles_mark_dirty(profile_ids=[obj.profile_id])
            super().delete_model(request, obj)


@admin.register(ScoringSettings)
class ScoringSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "er_posts_window", "er_views_window", "preferred_currency", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ScoringSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ScoringSettings | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ScoringSettings, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            count = scoring_settings_changed()
        messages.info(request, f"{count:,} profiles will be rescored with the new settings.")


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "status",
        "started_at",
        "total",
        "scored",
        "failed",
        "duration_s",
        "triggered_by",
    ]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in ScoringRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ScoringRun | None = None) -> bool:
        return False


@admin.register(ProfileScore)
class ProfileScoreAdmin(admin.ModelAdmin):
    list_display = [
        "profile",
        "tier",
        "er",
        "er_method",
        "er_provenance",
        "quality",
        "price",
        "currency",
        "as_of",
    ]
    list_filter = ["tier", "er_provenance", "er_method", "er_rating", "price_provenance"]
    search_fields = ["profile__handle"]
    list_select_related = ["profile"]
    show_full_result_count = False  # a COUNT(*) over a million scores on every page is not worth it

    def get_readonly_fields(self, request: HttpRequest, obj: ProfileScore | None = None) -> list[str]:
        return [f.name for f in ProfileScore._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
