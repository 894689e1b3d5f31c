"""Admin for campaigns: read-mostly views for support; changes go through the app (audited)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from campaigns.models import Campaign, PostResult, ShortlistEntry, StatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Support can look; writes happen in the app, where services audit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation", "objective", "status", "budget", "currency", "created_at")
    list_filter = ("status", "objective")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation",)


@admin.register(ShortlistEntry)
class ShortlistEntryAdmin(ReadOnlyAdmin):
    list_display = ("profile", "campaign", "status", "fee", "agreed_fee", "compensation")
    list_filter = ("status", "compensation")
    search_fields = ("profile__handle", "campaign__name")
    list_select_related = ("profile", "campaign")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("entry", "from_status", "to_status", "changed_by", "created_at")
    list_select_related = ("entry__profile", "entry__campaign", "changed_by")


@admin.register(PostResult)
class PostResultAdmin(ReadOnlyAdmin):
    list_display = ("entry", "post_ref", "published_on", "views", "reach", "impressions", "cost", "revenue")
    list_select_related = ("entry__profile", "entry__campaign")
