"""Admin for organisations, memberships and agency-client links."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from core.models import AgencyClient, AuditEntry, Invitation, Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


class ClientInline(admin.TabularInline):
    """The client brands an agency serves (shown on agencies)."""

    model = AgencyClient
    fk_name = "agency"
    fields = ["brand", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["brand"]
    extra = 0
    verbose_name = "client brand"
    verbose_name_plural = "client brands (agencies only)"


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "member_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, ClientInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(_members=Count("memberships", distinct=True))

    @admin.display(description="members", ordering="_members")
    def member_count(self, obj: Organisation) -> int:
        return obj._members


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(AgencyClient)
class AgencyClientAdmin(admin.ModelAdmin):
    list_display = ["agency", "brand", "created_at"]
    search_fields = ["agency__name", "brand__name"]
    autocomplete_fields = ["agency", "brand"]
    list_select_related = ["agency", "brand"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "invited_by", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation", "invited_by"]
    # The token is only ever shown once, in the invitation email; its hash is useless to an admin.
    exclude = ["token_hash"]
    readonly_fields = ["invited_by", "accepted_at", "accepted_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the organisation's settings page, which emails the link


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organisation", "user", "action", "model_label", "object_repr"]
    list_filter = ["action", "model_label"]
    search_fields = ["object_repr", "user__username", "organisation__name"]
    list_select_related = ["organisation", "user"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the audit log is append-only
