"""Forms for organisation settings and invitations (validation only; services do the work)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.models import User

from core.models import Membership, Organisation


class InvitationForm(forms.Form):
    """Invite someone by email with a role."""

    email = forms.EmailField(label="Email address", max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    """Change one member's role."""

    role = forms.ChoiceField(choices=Membership.Role.choices)


class AgencyLinkForm(forms.Form):
    """A brand lets an agency (named by its slug) work on its campaigns."""

    agency = forms.SlugField(label="Agency identifier (slug)", max_length=80)

    def clean_agency(self) -> Organisation:
        """Resolve the slug to an agency, with a clear error when there is none."""
        slug = self.cleaned_data["agency"]
        agency = Organisation.objects.filter(slug=slug, kind=Organisation.Kind.AGENCY).first()
        if agency is None:
            raise forms.ValidationError(f"No agency with the identifier “{slug}”.")
        return agency


class OrganisationSwitchForm(forms.Form):
    """Pick the organisation to work in."""

    organisation = forms.IntegerField(min_value=1)


class InvitationRegisterForm(forms.Form):
    """Create an account for an invited address (the email comes from the invitation)."""

    username = forms.CharField(max_length=150, help_text="Letters, digits and @/./+/-/_ only.")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        """Refuse a username that is taken, saying so."""
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(f"The username “{username}” is taken; choose another.")
        return username

    def clean(self) -> dict:
        """Both passwords match and pass the password validators."""
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif data.get("password1"):
            try:
                password_validation.validate_password(
                    data["password1"], User(username=data.get("username", ""))
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
