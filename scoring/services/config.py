"""Editable scoring defaults: settings row, tier schemes, rate cards, quoted rates."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Case, Value, When

from core.exceptions import ApplicationError
from discovery.models import Platform, Profile
from scoring.defaults import DEFAULT_RATE_BANDS, DEFAULT_SPONSORED_HASHTAGS
from scoring.models import TIER_PRESETS, ProfileScore, QuotedRate, RateCard, ScoringSettings, TierScheme
from scoring.services.dirty import profiles_mark_all_dirty, profiles_mark_dirty, profiles_mark_dirty_where


def scoring_settings_get() -> ScoringSettings:
    """The settings row, created with the defaults when missing."""
    row = ScoringSettings.objects.order_by("pk").first()
    if row is None:
        row = ScoringSettings.objects.create(sponsored_hashtags=list(DEFAULT_SPONSORED_HASHTAGS))
    return row


def tier_schemes_get() -> dict[str, dict[str, int | None]]:
    """Thresholds per platform; a platform without a scheme gets the default one (created)."""
    schemes = {s.platform: s for s in TierScheme.objects.all()}
    for platform in Platform.values:
        if platform not in schemes:
            schemes[platform], _ = TierScheme.objects.get_or_create(
                platform=platform, defaults=dict(TIER_PRESETS[TierScheme.Preset.DEFAULT])
            )
    return {platform: scheme.thresholds() for platform, scheme in schemes.items()}


def rate_cards_ensure_defaults() -> int:
    """Insert the default bands from DOMAIN.md that are missing; returns how many were added."""
    existing = set(RateCard.objects.values_list("platform", "tier", "deliverable", "currency"))
    new = [
        RateCard(
            platform=platform,
            tier=tier,
            deliverable=deliverable,
            currency=currency,
            low=Decimal(low),
            high=Decimal(high),
            source=source,
        )
        for platform, tier, deliverable, currency, low, high, source in DEFAULT_RATE_BANDS
        if (platform, tier, deliverable, currency) not in existing
    ]
    RateCard.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def rate_cards_get() -> dict[tuple[str, str, str, str], RateCard]:
    """Rate cards keyed by (platform, tier, deliverable, currency); defaults seeded on first use."""
    if not RateCard.objects.exists():
        rate_cards_ensure_defaults()
    return {(r.platform, r.tier, r.deliverable, r.currency): r for r in RateCard.objects.all()}


@transaction.atomic
def tier_scheme_apply(*, platform: str, preset: str | None = None, **thresholds: int | None) -> TierScheme:
    """Change a platform's tier scheme (a preset or explicit thresholds) and relabel its profiles."""
    if platform not in Platform.values:
        raise ApplicationError(f"Unknown platform {platform!r}", extra={"platform": platform})
    scheme, _ = TierScheme.objects.select_for_update().get_or_create(
        platform=platform, defaults=dict(TIER_PRESETS[TierScheme.Preset.DEFAULT])
    )
    if preset and preset != TierScheme.Preset.CUSTOM:
        if preset not in TIER_PRESETS:
            raise ApplicationError(f"Unknown tier preset {preset!r}", extra={"preset": preset})
        thresholds = dict(TIER_PRESETS[preset])
    for name, value in thresholds.items():
        setattr(scheme, name, value)
    scheme.preset = preset or TierScheme.Preset.CUSTOM
    scheme.full_clean()
    scheme.save()
    # robust: with the broker down the scheme is still saved (and logged); every later score uses it.
    transaction.on_commit(lambda: _enqueue_relabel(platform), robust=True)
    return scheme


def _enqueue_relabel(platform: str) -> None:
    from scoring.tasks import relabel_tiers_task

    relabel_tiers_task.delay(platform=platform)


@transaction.atomic
def tiers_relabel(*, platform: str) -> int:
    """Set-based: rewrite every score's tier of a platform from its scheme, then mark them dirty.

    The tier column is right immediately (one UPDATE); tier-relative ER, ratings and prices follow
    when the dirty profiles are rescored.
    """
    thresholds = tier_schemes_get()[platform]
    whens = [When(followers__gte=thresholds["mega_min"], then=Value("mega"))]
    whens.append(When(followers__gte=thresholds["macro_min"], then=Value("macro")))
    if thresholds.get("mid_min"):
        whens.append(When(followers__gte=thresholds["mid_min"], then=Value("mid")))
    whens.append(When(followers__gte=thresholds["micro_min"], then=Value("micro")))
    whens.append(When(followers__isnull=False, then=Value("nano")))
    changed = ProfileScore.objects.filter(profile__platform=platform).update(
        tier=Case(*whens, default=Value(""))
    )
    profiles_mark_dirty_where(queryset=Profile.objects.filter(platform=platform))
    return changed


@transaction.atomic
def quoted_rate_set(
    *, profile: Profile, deliverable: str, amount: Decimal, currency: str, note: str = ""
) -> QuotedRate:
    """Create or replace a profile's quoted rate for a deliverable; the profile is rescored."""
    rate = QuotedRate.objects.filter(profile=profile, deliverable=deliverable).first() or QuotedRate(
        profile=profile, deliverable=deliverable
    )
    rate.amount = amount
    rate.currency = currency.upper()
    rate.note = note
    rate.full_clean()
    rate.save()
    profiles_mark_dirty(profile_ids=[profile.pk])
    return rate


def scoring_settings_changed() -> int:
    """After an admin edits settings or rate cards: mark every profile dirty; returns the count."""
    return profiles_mark_all_dirty()
