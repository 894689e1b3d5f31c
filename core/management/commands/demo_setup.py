"""Set up the local demo once: a generated catalogue, imported and scored, and one login per role."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from core.models import AgencyClient, Membership, Organisation
from discovery.generator import NICHES, generate_catalog
from discovery.models import Niche, Profile

DEMO_PASSWORD = "microlens-demo"
IMPORT_ORDER = ("profiles", "snapshots", "posts")


@dataclass(frozen=True)
class DemoOrg:
    """An organisation of the demo."""

    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class DemoLogin:
    """One demo login: a role in an organisation (or a platform admin)."""

    username: str
    role: str
    org: str | None
    what: str


ORGS = [
    DemoOrg("acme-cosmetics", "Acme Cosmetics", Organisation.Kind.BRAND),
    DemoOrg("bright-agency", "Bright Agency", Organisation.Kind.AGENCY),
    DemoOrg("northwind-outdoor", "Northwind Outdoor", Organisation.Kind.BRAND),
]
LOGINS = [
    DemoLogin("acme-owner", Membership.Role.OWNER, "acme-cosmetics", "owner of brand Acme Cosmetics"),
    DemoLogin("acme-member", Membership.Role.MEMBER, "acme-cosmetics", "member of brand Acme Cosmetics"),
    DemoLogin("acme-viewer", Membership.Role.VIEWER, "acme-cosmetics", "viewer of brand Acme Cosmetics"),
    DemoLogin(
        "bright-staff", Membership.Role.MEMBER, "bright-agency", "staff of Bright Agency (serves Acme)"
    ),
    DemoLogin(
        "northwind-member", Membership.Role.MEMBER, "northwind-outdoor", "member of brand Northwind Outdoor"
    ),
    DemoLogin("admin", "platform admin", None, "platform admin (staff + superuser, /admin/)"),
]


class Command(BaseCommand):
    help = "Local demo, once: generate and import a catalogue, score it, create one login per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profiles", type=int, default=5_000, help="catalogue size (default 5000)")
        parser.add_argument("--seed", type=int, default=42, help="generator seed")
        parser.add_argument(
            "--dir", default=str(Path(settings.VAR_DIR) / "demo"), help="where the generated CSVs go"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_LOGINS_ENABLED:
            raise CommandError(
                "demo_setup creates logins with fixed, published passwords, so it only runs in local mode "
                "(MICROLENS_MODE=local, as `make run` sets). Create real accounts with createsuperuser."
            )
        if options["profiles"] < 1:
            raise CommandError(f"--profiles must be at least 1, not {options['profiles']}")
        did_something = False
        if not Profile.objects.exists():
            self._load_catalogue(Path(options["dir"]), options["profiles"], options["seed"])
            did_something = True
        if _ensure_logins():
            did_something = True
        if not did_something:
            self.stdout.write("Demo already set up (catalogue and logins exist); nothing to do.")
        self._print_logins()

    def _load_catalogue(self, folder: Path, profiles: int, seed: int) -> None:
        """Generate the CSVs, import them with the import command, then score everything."""
        started = time.monotonic()
        self.stdout.write(f"Generating a demo catalogue of {profiles:,} profiles in {folder} ...")
        stats = generate_catalog(profiles=profiles, seed=seed, out_dir=folder, as_of=timezone.localdate())
        self.stdout.write(
            f"  {stats.profiles:,} profiles, {stats.snapshots:,} snapshots, {stats.posts:,} posts."
        )
        commands = get_commands()
        if "import_profiles" not in commands:
            self.stderr.write(
                self.style.WARNING(
                    "The import_profiles command is not installed yet: the demo starts without a catalogue "
                    f"(the CSVs are in {folder}; run demo_setup again once it exists)."
                )
            )
            return
        _ensure_niches()
        for kind in IMPORT_ORDER:
            self.stdout.write(f"Importing {kind} ...")
            call_command("import_profiles", str(folder / f"{kind}.csv"), kind=kind, stdout=self.stdout)
        if "score_profiles" in commands:
            self.stdout.write("Scoring ...")
            call_command("score_profiles", all=True, stdout=self.stdout)
        else:
            self.stderr.write(
                self.style.WARNING("score_profiles is not installed yet: profiles stay unscored.")
            )
        self.stdout.write(f"Catalogue ready in {time.monotonic() - started:.0f}s.")

    def _print_logins(self) -> None:
        """The table of demo logins."""
        width = max(len(login.username) for login in LOGINS)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS("Demo logins (local mode only) at http://127.0.0.1:8000/accounts/login/")
        )
        self.stdout.write(f"  {'username':<{width}}  {'password':<{len(DEMO_PASSWORD)}}  who")
        for login in LOGINS:
            self.stdout.write(f"  {login.username:<{width}}  {DEMO_PASSWORD}  {login.what}")
        self.stdout.write("")


def _ensure_niches() -> None:
    """The generator's niches as curated taxonomy entries, so the import files them under these."""
    for name in NICHES:
        slug = slugify(str(name))
        if not Niche.objects.filter(Q(name__iexact=name) | Q(slug=slug)).exists():
            Niche.objects.create(name=str(name), slug=slug, curated=True)


@transaction.atomic
def _ensure_logins() -> bool:
    """Create the demo organisations, agency link and users that are missing; True if anything was created."""
    created_any = False
    orgs: dict[str, Organisation] = {}
    for spec in ORGS:
        orgs[spec.slug], created = Organisation.objects.get_or_create(
            slug=spec.slug, defaults={"name": spec.name, "kind": spec.kind}
        )
        created_any |= created
    _, created = AgencyClient.objects.get_or_create(
        agency=orgs["bright-agency"], brand=orgs["acme-cosmetics"]
    )
    created_any |= created
    for login in LOGINS:
        if User.objects.filter(username=login.username).exists():
            continue
        admin = login.org is None
        user = User(
            username=login.username,
            email=f"{login.username}@demo.microlens.local",
            is_staff=admin,
            is_superuser=admin,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        if not admin:
            Membership.objects.create(user=user, organisation=orgs[login.org], role=login.role)
        created_any = True
    return created_any
