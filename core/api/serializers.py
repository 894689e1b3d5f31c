"""Serializers for the auth-token and "who am I" endpoints."""

from __future__ import annotations

from rest_framework import serializers


class TokenInputSerializer(serializers.Serializer):
    """Username and password exchanged for an API token."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    """The caller's API token (send it as ``Authorization: Token <token>``)."""

    token = serializers.CharField()


class OrganisationAccessOutputSerializer(serializers.Serializer):
    """One organisation the caller reaches, their role there, and how (membership or agency)."""

    id = serializers.IntegerField(source="organisation.id")
    name = serializers.CharField(source="organisation.name")
    slug = serializers.CharField(source="organisation.slug")
    kind = serializers.CharField(source="organisation.kind")
    role = serializers.CharField()
    via = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    """The caller and every organisation they can reach."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.EmailField()
    is_platform_admin = serializers.BooleanField()
    current_organisation = serializers.IntegerField(allow_null=True)
    organisations = OrganisationAccessOutputSerializer(many=True)


class AuditEntryOutputSerializer(serializers.Serializer):
    """One audit entry: who did what to which object, with {field: [old, new]} changes."""

    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    organisation = serializers.IntegerField(source="organisation_id")
    user = serializers.CharField(source="user.get_username", default=None)
    action = serializers.CharField()
    model = serializers.CharField(source="model_label")
    object_id = serializers.CharField()
    object_repr = serializers.CharField()
    changes = serializers.DictField()
