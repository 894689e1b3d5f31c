"""Admin for the shared creator catalogue: niches, creators, profiles, snapshots and posts.

Catalogue edits here change the inputs of scoring, so every write marks the profile dirty (a
``scoring.DirtyProfile`` row; the lists show it as "needs rescoring").
Snapshots and posts are too many for inlines on a profile: the profile page links to filtered lists.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from discovery.models import (
    Creator,
    FollowerSample,
    FollowerSnapshot,
    ImportJob,
    Niche,
    Post,
    Profile,
    SavedSearch,
)
from scoring.models import DirtyProfile
from scoring.services import profiles_mark_dirty, profiles_mark_dirty_where


def _with_dirty(queryset: QuerySet[Profile]) -> QuerySet[Profile]:
    """Profiles annotated ``_dirty``: marked for rescoring (one primary-key probe per row)."""
    return queryset.annotate(_dirty=Exists(DirtyProfile.objects.filter(profile_id=OuterRef("pk"))))


@admin.display(description="needs rescoring", boolean=True)
def needs_rescoring(obj: Profile) -> bool:
    """Whether the profile waits for the scoring worker (annotated by ``_with_dirty`` when listed)."""
    if not obj.pk:
        return True
    dirty = getattr(obj, "_dirty", None)
    return DirtyProfile.objects.filter(profile_id=obj.pk).exists() if dirty is None else dirty


class NeedsRescoringFilter(admin.SimpleListFilter):
    """Profiles marked for rescoring, or not."""

    title = "needs rescoring"
    parameter_name = "needs_rescoring"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("1", "Yes"), ("0", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Profile]) -> QuerySet[Profile]:
        marked = Exists(DirtyProfile.objects.filter(profile_id=OuterRef("pk")))
        if self.value() == "1":
            return queryset.filter(marked)
        if self.value() == "0":
            return queryset.filter(~marked)
        return queryset


def _changelist_link(model: type, label: str, **filters: Any) -> str:
    """A link to ``model``'s admin list filtered by ``filters``."""
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?" + urlencode(filters)
    return format_html('<a href="{}">{}</a>', url, label)


@admin.register(Niche)
class NicheAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "curated", "profile_count"]
    list_filter = ["curated"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Niche]:
        return super().get_queryset(request).annotate(_profiles=Count("profiles"))

    @admin.display(description="profiles", ordering="_profiles")
    def profile_count(self, obj: Niche) -> str:
        return _changelist_link(Profile, f"{obj._profiles:,}", niches__id__exact=obj.pk)


class ProfileInline(admin.TabularInline):
    model = Profile
    fields = ["platform", "handle", "followers", "verified", needs_rescoring]
    readonly_fields = [needs_rescoring]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Profile]:
        return _with_dirty(super().get_queryset(request))


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "country", "language", "account_count", "updated_at"]
    list_filter = ["country", "language"]
    search_fields = ["name", "profiles__handle"]
    inlines = [ProfileInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Creator]:
        return super().get_queryset(request).annotate(_accounts=Count("profiles"))

    @admin.display(description="accounts", ordering="_accounts")
    def account_count(self, obj: Creator) -> int:
        return obj._accounts

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        profiles_mark_dirty(profile_ids=[obj.pk for obj in formset.queryset if obj.pk])


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = [
        "handle",
        "platform",
        "name",
        "followers",
        "following",
        "country",
        "language",
        "verified",
        needs_rescoring,
        "stats_as_of",
        "creator",
    ]
    list_display_links = ["handle"]
    list_filter = ["platform", "verified", NeedsRescoringFilter, "country", "language", "niches"]
    search_fields = ["handle", "name", "creator__name"]
    autocomplete_fields = ["creator", "niches"]
    list_select_related = ["creator"]
    readonly_fields = [needs_rescoring, "created_at", "updated_at", "snapshots_link", "posts_link"]
    # A million rows: skip the unfiltered COUNT(*) on every changelist page.
    show_full_result_count = False
    list_per_page = 50
    actions = ["mark_for_rescoring"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "creator",
                    "platform",
                    "handle",
                    "name",
                    "bio",
                    "url",
                    "email",
                    "verified",
                    "niches",
                ]
            },
        ),
        ("Where", {"fields": ["country", "language"]}),
        (
            "Counts (latest)",
            {"fields": ["followers", "following", "posts_count", "snapshots_link", "posts_link"]},
        ),
        (
            "Imported aggregates",
            {"fields": ["avg_likes", "avg_comments", "avg_views", "avg_shares", "stats_as_of"]},
        ),
        (
            "Audience",
            {
                "fields": [
                    "audience_countries",
                    "audience_main_country",
                    "audience_female_pct",
                    "audience_age_main",
                ]
            },
        ),
        ("Bookkeeping", {"fields": [needs_rescoring, "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Profile]:
        return _with_dirty(super().get_queryset(request))

    @admin.display(description="snapshots")
    def snapshots_link(self, obj: Profile) -> str:
        if not obj.pk:
            return "-"
        return _changelist_link(
            FollowerSnapshot, f"{obj.snapshots.count():,} snapshots", profile__id__exact=obj.pk
        )

    @admin.display(description="posts")
    def posts_link(self, obj: Profile) -> str:
        if not obj.pk:
            return "-"
        return _changelist_link(Post, f"{obj.posts.count():,} posts", profile__id__exact=obj.pk)

    def save_model(self, request: HttpRequest, obj: Profile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        profiles_mark_dirty(profile_ids=[obj.pk])

    @admin.action(description="Mark selected profiles for rescoring")
    def mark_for_rescoring(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        profiles_mark_dirty_where(queryset=queryset)
        count = queryset.count()
        self.message_user(request, f"{count:,} profiles will be rescored.", messages.SUCCESS)


class _ProfileChildAdmin(admin.ModelAdmin):
    """Snapshots and posts: any write or delete marks the owning profile dirty."""

    autocomplete_fields = ["profile"]
    list_select_related = ["profile"]
    show_full_result_count = False
    list_per_page = 100

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        profiles_mark_dirty(profile_ids=[obj.profile_id])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        profile_id = obj.profile_id
        super().delete_model(request, obj)
        profiles_mark_dirty(profile_ids=[profile_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        profile_ids = list(queryset.values_list("profile_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        profiles_mark_dirty(profile_ids=profile_ids)


@admin.register(FollowerSnapshot)
class FollowerSnapshotAdmin(_ProfileChildAdmin):
    list_display = ["profile", "captured_on", "followers", "following", "posts_count"]
    list_filter = ["profile__platform"]
    search_fields = ["profile__handle"]
    ordering = ["profile", "-captured_on"]


@admin.register(Post)
class PostAdmin(_ProfileChildAdmin):
    list_display = [
        "profile",
        "external_id",
        "posted_at",
        "kind",
        "likes",
        "comments",
        "shares",
        "views",
        "is_sponsored",
    ]
    list_filter = ["kind", "is_sponsored", "profile__platform"]
    search_fields = ["profile__handle", "external_id", "caption"]


@admin.register(FollowerSample)
class FollowerSampleAdmin(_ProfileChildAdmin):
    list_display = [
        "profile",
        "username",
        "posts",
        "following",
        "followers",
        "has_profile_picture",
        "is_private",
    ]
    list_filter = ["has_profile_picture", "is_private"]
    search_fields = ["profile__handle", "username"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by workflows (imports, users' own pages): admins inspect them, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(_ReadOnlyAdmin):
    list_display = [
        "__str__",
        "kind",
        "platform",
        "status",
        "rows_done",
        "rows_total",
        "created",
        "updated",
        "rejected",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind", "platform"]
    search_fields = ["original_name", "message"]
    list_select_related = ["created_by"]


@admin.register(SavedSearch)
class SavedSearchAdmin(_ReadOnlyAdmin):
    list_display = ["name", "user", "query", "created_at"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
