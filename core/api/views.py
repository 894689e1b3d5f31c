"""API authentication (tokens) and the caller's identity."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import (
    AuditEntryOutputSerializer,
    MeOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from core.current import current_organisation
from core.filters import AuditEntryFilterSet
from core.models import AuditEntry
from core.permissions import is_platform_admin
from core.selectors import audit_entry_list, user_organisation_access
from core.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle


class AuthTokenView(APIView):
    """POST: username + password -> token (throttled, "token" scope); DELETE: revoke the caller's token."""

    throttle_classes = [AnonRateThrottle, UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "token"

    def get_permissions(self) -> list:
        """Anyone may ask for a token; only an authenticated caller may revoke theirs."""
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        """Ignore any session on POST: a token is granted for credentials alone (so no CSRF check applies)."""
        self._credentials_only = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self) -> list:
        """No authenticators for POST (see ``initialize_request``)."""
        return [] if getattr(self, "_credentials_only", False) else super().get_authenticators()

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request: Request) -> Response:
        """Exchange a username and password for the user's API token."""
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through django-axes (AUTHENTICATION_BACKENDS): failures count towards the lockout.
        user = authenticate(request._request, **data.validated_data)
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": ["Username and password did not match."]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        """Revoke the caller's token: scripts using it get 401 from now on."""
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """GET: the caller, their organisations and roles."""

    @extend_schema(responses={200: MeOutputSerializer})
    def get(self, request: Request) -> Response:
        """Who is calling, and what they can reach."""
        user = request.user
        current = current_organisation(request)
        payload = {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "is_platform_admin": is_platform_admin(user),
            "current_organisation": current.pk if current else None,
            "organisations": user_organisation_access(user=user),
        }
        return Response(MeOutputSerializer(payload).data)


class AuditEntryListView(ListAPIView):
    """GET: the audit log of organisations the caller owns, newest first (empty for everyone else)."""

    serializer_class = AuditEntryOutputSerializer
    filterset_class = AuditEntryFilterSet

    def get_queryset(self) -> QuerySet[AuditEntry]:
        """Scoped by the selector to organisations where the caller may audit."""
        return audit_entry_list(user=self.request.user)
