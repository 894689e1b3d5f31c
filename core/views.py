"""Core HTML views: health check, organisation settings, switching organisation, invitations."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.current import current_organisation, current_organisation_set
from core.exceptions import ApplicationError
from core.filters import AuditEntryFilterSet
from core.forms import (
    AgencyLinkForm,
    InvitationForm,
    InvitationRegisterForm,
    OrganisationSwitchForm,
    RoleForm,
)
from core.models import Membership, Organisation
from core.permissions import Action, can
from core.selectors import (
    agency_link_get,
    audit_entry_list,
    invitation_get,
    invitation_get_by_token,
    member_organisations,
    membership_get,
    organisation_get_for_member,
    organisation_settings,
)
from core.services import organisations as org_services

AUDIT_PAGE_SIZE = 50
T = TypeVar("T")


@require_GET
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness + database reachability, for load balancers and compose healthchecks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)


def _member_org(request: HttpRequest, slug: str) -> Organisation:
    """The organisation if the user belongs to it; a 404 otherwise (never confirm it exists)."""
    try:
        return organisation_get_for_member(user=request.user, slug=slug)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation.") from None


def _or_404(lookup: Callable[[], T]) -> T:
    """Run a scoped selector lookup; a missing object is a 404."""
    try:
        return lookup()
    except ObjectDoesNotExist:
        raise Http404("Not found.") from None


def _settings_url(organisation: Organisation) -> str:
    return reverse("core:organisation-settings", args=[organisation.slug])


def _attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service call; show its business-rule or validation failure as a message instead of a 500."""
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(err) for errors in form.errors.values() for err in errors)


def _managed_org(request: HttpRequest, slug: str) -> Organisation:
    """The organisation if the user may manage it: 404 for strangers, 403 for its other members."""
    organisation = _member_org(request, slug)
    if not can(request.user, Action.MANAGE, organisation):
        raise PermissionDenied("Only managers and owners can do this.")
    return organisation


@require_GET
def organisation_settings_home(request: HttpRequest) -> HttpResponse:
    """Send the user to their current organisation's settings (or explain they have none)."""
    organisation = current_organisation(request)
    if organisation is None:
        return render(request, "core/organisation_settings.html", {"settings": None})
    return redirect(_settings_url(organisation))


def _render_settings(
    request: HttpRequest,
    organisation: Organisation,
    invite_form: InvitationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "settings": organisation_settings(user=request.user, organisation=organisation),
        "invite_form": invite_form or InvitationForm(),
        "agency_form": AgencyLinkForm(),
        "roles": Membership.Role.choices,
    }
    return render(request, "core/organisation_settings.html", context, status=status)


@require_GET
def organisation_settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Members and roles, invitations, agency links and (owners) the audit log of one organisation."""
    return _render_settings(request, _member_org(request, slug))


@require_POST
def invitation_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite someone by email; the form is shown again with its errors when invalid."""
    organisation = _managed_org(request, slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, organisation, invite_form=form, status=400)

    def accept_url_for(token: str) -> str:
        return request.build_absolute_uri(reverse("core:invitation-accept", args=[token]))

    _attempt(
        request,
        lambda: org_services.invitation_create(
            organisation=organisation,
            invited_by=request.user,
            accept_url_for=accept_url_for,
            **form.cleaned_data,
        ),
        f"Invitation sent to {form.cleaned_data['email']}.",
    )
    return redirect(_settings_url(organisation))


@require_POST
def invitation_revoke_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Cancel a pending invitation."""
    organisation = _member_org(request, slug)
    invitation = _or_404(lambda: invitation_get(organisation=organisation, pk=pk))
    _attempt(
        request,
        lambda: org_services.invitation_revoke(invitation=invitation, revoked_by=request.user),
        f"Invitation of {invitation.email} cancelled.",
    )
    return redirect(_settings_url(organisation))


@require_POST
def member_role_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change one member's role."""
    organisation = _managed_org(request, slug)
    membership = _or_404(lambda: membership_get(organisation=organisation, pk=pk))
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Role: {_form_errors(form)}")
        return redirect(_settings_url(organisation))
    role = form.cleaned_data["role"]
    _attempt(
        request,
        lambda: org_services.member_role_change(membership=membership, role=role, changed_by=request.user),
        f"{membership.user.get_username()} is now {role}.",
    )
    return redirect(_settings_url(organisation))


@require_POST
def member_remove_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove a member (or leave the organisation when it is your own membership)."""
    organisation = _member_org(request, slug)
    membership = _or_404(lambda: membership_get(organisation=organisation, pk=pk))
    leaving = membership.user_id == request.user.pk
    done = _attempt(
        request,
        lambda: org_services.member_remove(membership=membership, removed_by=request.user),
        f"You left {organisation.name}." if leaving else f"{membership.user.get_username()} was removed.",
    )
    if done and leaving:
        return redirect("core:organisation-settings-home")
    return redirect(_settings_url(organisation))


@require_POST
def agency_link_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A brand lets an agency work on its campaigns."""
    organisation = _managed_org(request, slug)
    form = AgencyLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(_settings_url(organisation))
    agency = form.cleaned_data["agency"]
    _attempt(
        request,
        lambda: org_services.agency_client_add(brand=organisation, agency=agency, added_by=request.user),
        f"{agency.name} now works on {organisation.name}'s campaigns.",
    )
    return redirect(_settings_url(organisation))


@require_POST
def agency_link_remove_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End an agency-client relation from either side."""
    organisation = _member_org(request, slug)
    link = _or_404(lambda: agency_link_get(organisation=organisation, pk=pk))
    _attempt(
        request,
        lambda: org_services.agency_client_remove(link=link, removed_by=request.user),
        f"{link.agency.name} no longer serves {link.brand.name}.",
    )
    return redirect(_settings_url(organisation))


@require_GET
def audit_log_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's audit log, newest first, for its owners."""
    organisation = _member_org(request, slug)
    if not can(request.user, Action.AUDIT, organisation):
        raise PermissionDenied
    entries = audit_entry_list(user=request.user, organisation=organisation)
    filterset = AuditEntryFilterSet(request.GET, queryset=entries)
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else entries.none(), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"organisation": organisation, "page": page, "filter": filterset, "query": query.urlencode()}
    return render(request, "core/audit_log.html", context, status=200 if valid else 400)


@require_POST
def organisation_switch_view(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the current one, then go back where they were."""
    form = OrganisationSwitchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an organisation to switch to.")
        return redirect("/")
    organisation = _or_404(
        lambda: member_organisations(user=request.user).get(pk=form.cleaned_data["organisation"])
    )
    current_organisation_set(request, organisation)
    messages.success(request, f"You are now working in {organisation.name}.")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def _accept_or_register(
    request: HttpRequest, token: str, register_form: InvitationRegisterForm | None
) -> Membership | None:
    """Accept as the logged-in user, or create the invited account from a valid form and log it in."""
    if request.user.is_authenticated:
        return org_services.invitation_accept(token=token, user=request.user)
    if register_form is None or not register_form.is_valid():
        return None
    user = org_services.user_register_from_invitation(
        token=token,
        username=register_form.cleaned_data["username"],
        password=register_form.cleaned_data["password1"],
    )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user.memberships.select_related("organisation").order_by("-created_at").first()


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation; logged-in users accept it, newcomers create an account to accept it."""
    invitation = invitation_get_by_token(token_hash=org_services.token_hash(token))
    problem, status = (None, 200) if invitation else ("This invitation link is not valid.", 404)
    if invitation is not None:
        try:
            org_services.invitation_check(invitation=invitation)
        except ApplicationError as exc:
            problem, status = exc.message, 410
    usable = problem is None
    anonymous = not request.user.is_authenticated
    register_form = None
    if anonymous:
        register_form = InvitationRegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and usable:
        try:
            membership = _accept_or_register(request, token, register_form)
        except ApplicationError as exc:
            membership, problem, status = None, exc.message, 400
        except ValidationError as exc:
            membership, problem, status = None, " ".join(exc.messages), 400
        if membership is not None:
            current_organisation_set(request, membership.organisation)
            messages.success(request, f"Welcome to {membership.organisation.name}.")
            return redirect(_settings_url(membership.organisation))
        if register_form is not None and register_form.errors:
            status = 400
    context = {"invitation": invitation, "problem": problem, "register_form": register_form, "usable": usable}
    return render(request, "core/invitation_accept.html", context, status=status)
