"""Seed the editable defaults: one tier scheme per platform, rate-card bands, the settings row."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    from scoring.defaults import DEFAULT_RATE_BANDS, DEFAULT_SPONSORED_HASHTAGS

    TierScheme = apps.get_model("scoring", "TierScheme")
    RateCard = apps.get_model("scoring", "RateCard")
    ScoringSettings = apps.get_model("scoring", "ScoringSettings")
    for platform in ("instagram", "tiktok", "youtube"):
        TierScheme.objects.get_or_create(
            platform=platform,
            defaults={"preset": "default", "micro_min": 1000, "macro_min": 100000, "mega_min": 1000000},
        )
    for platform, tier, deliverable, currency, low, high, source in DEFAULT_RATE_BANDS:
        RateCard.objects.get_or_create(
            platform=platform,
            tier=tier,
            deliverable=deliverable,
            currency=currency,
            defaults={"low": Decimal(low), "high": Decimal(high), "source": source},
        )
    if not ScoringSettings.objects.exists():
        ScoringSettings.objects.create(sponsored_hashtags=list(DEFAULT_SPONSORED_HASHTAGS))


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_scoring_config_and_runs")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
