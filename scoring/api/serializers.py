"""Scoring API output: a profile's full score with provenance and as-of dates; scoring runs."""

from __future__ import annotations

from rest_framework import serializers

from scoring.models import ProfileScore, ScoringRun


class ProfileScoreOutputSerializer(serializers.ModelSerializer):
    """Every computed number of one profile; percents for ER and growth; null means unknown."""

    class Meta:
        model = ProfileScore
        exclude = ["profile"]


class ScoringRunOutputSerializer(serializers.ModelSerializer):
    """One scoring run with its counts and progress."""

    progress_pct = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScoringRun
        fields = [
            "id", "kind", "status", "started_at", "finished_at", "total", "scored", "failed", "batches",
            "duration_s", "errors", "triggered_by", "progress_pct",
        ]  # fmt: skip
