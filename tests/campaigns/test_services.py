"""Campaign services against the database: briefs, shortlist, pipeline, suggestion, results, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import selectors, services
from campaigns.models import Campaign, PostResult, ShortlistEntry, StatusChange
from core.exceptions import ApplicationError
from core.models import AuditEntry
from tests.campaigns.conftest import scored
from tests.factories.campaigns import PostResultFactory, ShortlistEntryFactory
from tests.factories.discovery import CreatorFactory

pytestmark = pytest.mark.django_db


def test_agency_staff_writes_a_brief_for_a_client_and_it_is_audited(agency_staff, brand, beauty) -> None:
    campaign = services.campaign_create(
        user=agency_staff,
        organisation=brand,
        niche_ids=[beauty.pk],
        name="Autumn",
        budget=Decimal("3000"),
        countries=["GB"],
    )

    assert campaign.organisation == brand
    assert campaign.created_by == agency_staff
    assert list(campaign.niches.all()) == [beauty]
    audit = AuditEntry.objects.get(object_id=str(campaign.pk), model_label="campaigns.campaign")
    assert audit.action == "create"
    assert audit.user == agency_staff
    assert audit.organisation == brand


def test_brief_for_an_agency_or_a_foreign_brand_is_refused(agency_staff, agency, other_brand_member) -> None:
    foreign = other_brand_member.memberships.get().organisation

    with pytest.raises(ApplicationError, match="client brand"):
        services.campaign_create(user=agency_staff, organisation=agency, name="x", budget=Decimal(1))
    with pytest.raises(PermissionDenied):
        services.campaign_create(user=agency_staff, organisation=foreign, name="x", budget=Decimal(1))


def test_viewer_cannot_change_a_campaign(brand_viewer, campaign) -> None:
    with pytest.raises(PermissionDenied):
        services.campaign_update(user=brand_viewer, campaign=campaign, name="Hacked")


def test_bad_dates_are_a_validation_error(brand_member, brand) -> None:
    import datetime as dt

    with pytest.raises(ValidationError, match="end date"):
        services.campaign_create(
            user=brand_member,
            organisation=brand,
            name="x",
            budget=Decimal(1),
            start_date=dt.date(2026, 5, 2),
            end_date=dt.date(2026, 5, 1),
        )


def test_update_records_only_changed_fields(brand_member, campaign) -> None:
    services.campaign_update(user=brand_member, campaign=campaign, name="Renamed", budget=campaign.budget)

    audit = AuditEntry.objects.filter(action="update").get()
    assert audit.changes == {"name": ["Spring launch", "Renamed"]}


def test_duplicate_copies_brief_and_shortlist_as_draft(brand_member, campaign, entry) -> None:
    services.entry_move(user=brand_member, entry=entry, status="contracted")

    copy = services.campaign_duplicate(user=brand_member, campaign=campaign)

    assert copy.pk != campaign.pk
    assert copy.name == "Copy of Spring launch"
    assert copy.status == "draft"
    assert list(copy.niches.all()) == list(campaign.niches.all())
    assert copy.entries.get().profile_id == entry.profile_id
    assert copy.entries.get().status == "shortlisted"


def test_archive_hides_from_editable_list(brand_member, campaign) -> None:
    services.campaign_archive(user=brand_member, campaign=campaign)

    assert Campaign.objects.get(pk=campaign.pk).status == "archived"
    assert campaign not in selectors.editable_campaigns(user=brand_member)


def test_entry_add_twice_is_a_clear_error(brand_member, campaign, catalogue) -> None:
    services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["a"])

    with pytest.raises(ApplicationError, match="already on the shortlist"):
        services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["a"])


def test_gifted_without_value_is_rejected(brand_member, campaign, catalogue) -> None:
    with pytest.raises(ValidationError, match="gifted product"):
        services.entry_add(
            user=brand_member, campaign=campaign, profile=catalogue["a"], compensation="gifted"
        )


def test_pipeline_moves_are_stored_with_who_and_when(brand_member, agency_staff, entry) -> None:
    services.entry_move(user=brand_member, entry=entry, status="contacted")
    services.entry_move(user=agency_staff, entry=entry, status="negotiating", note="asked for 250")

    moves = list(
        StatusChange.objects.filter(entry=entry).order_by("id").values_list("to_status", "changed_by")
    )
    assert moves[-2:] == [("contacted", brand_member.pk), ("negotiating", agency_staff.pk)]
    assert AuditEntry.objects.filter(action="status", object_id=str(entry.pk)).count() == 2
    entry.refresh_from_db()
    assert entry.status == "negotiating"
    assert entry.status_changed_at is not None


def test_unknown_status_is_rejected(brand_member, entry) -> None:
    with pytest.raises(ValidationError, match="Unknown status"):
        services.entry_move(user=brand_member, entry=entry, status="teleported")


def test_entry_with_results_cannot_be_removed(brand_member, result) -> None:
    with pytest.raises(ApplicationError, match="cancelled"):
        services.entry_remove(user=brand_member, entry=result.entry)


def test_shortlist_summary_totals_and_warnings(brand_member, campaign, catalogue) -> None:
    services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["a"])
    services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["off"], fee=Decimal("900"))
    e = services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["b"])
    services.entry_move(user=brand_member, entry=e, status="declined")

    summary = selectors.shortlist_summary(campaign=campaign)

    assert summary.total_fee == Decimal("1400")  # 500 estimated + 900 quoted; declined left out
    assert summary.over_budget
    assert summary.remaining == Decimal("-400")
    assert summary.reach == 8_000 + 9_000
    warnings = {r.entry.profile.handle: r.warnings for r in summary.rows}
    assert warnings["wrong_niche"] == ["outside the brief's niches"]
    assert warnings["pair_a"] == []


def test_suggestion_is_optimal_beats_greedy_and_shows_macro(brand_member, campaign, catalogue) -> None:
    s = services.shortlist_suggest(user=brand_member, campaign=campaign)

    assert s.feasible
    assert s.optimal
    assert {p.handle for p in s.picks} == {"pair_a", "pair_b"}
    assert s.total_fee == Decimal("1000")
    assert s.objective_value == 16_000
    assert s.greedy["objective"] == 10_000  # greedy takes ratio_queen first, then nothing fits
    assert s.macro["handle"] == "big_star"
    assert s.macro["objective"] == 12_000


def test_suggestion_respects_one_account_per_creator(brand_member, campaign, catalogue, beauty) -> None:
    scored(
        "pair_a_tiktok",
        followers=25_000,
        price="500",
        reach=8_000,
        engagements=700,
        niche=beauty,
        creator=catalogue["a"].creator,
        platform="tiktok",
    )
    creator = CreatorFactory()
    scored(
        "solo_1", followers=25_000, price="400", reach=7_900, engagements=700, niche=beauty, creator=creator
    )
    scored(
        "solo_2",
        followers=25_000,
        price="400",
        reach=7_900,
        engagements=700,
        niche=beauty,
        creator=creator,
        platform="tiktok",
    )

    s = services.shortlist_suggest(user=brand_member, campaign=campaign, budget=Decimal("1300"))

    handles = {p.handle for p in s.picks}
    assert len(handles & {"solo_1", "solo_2"}) <= 1
    assert len(handles & {"pair_a", "pair_a_tiktok"}) <= 1
    assert s.total_fee <= Decimal("1300")


def test_pinned_and_quoted_fee_are_used(brand_member, campaign, catalogue) -> None:
    services.entry_add(
        user=brand_member, campaign=campaign, profile=catalogue["ratio"], pinned=True, fee=Decimal("450")
    )

    s = services.shortlist_suggest(user=brand_member, campaign=campaign)

    assert {p.handle for p in s.picks} == {"ratio_queen", "pair_a"} or {p.handle for p in s.picks} == {
        "ratio_queen",
        "pair_b",
    }
    assert s.total_fee == Decimal("950")


def test_infeasible_suggestion_explains_the_constraint(brand_member, campaign, catalogue) -> None:
    s = services.shortlist_suggest(user=brand_member, campaign=campaign, min_creators=3)

    assert not s.feasible
    assert s.picks == []
    assert s.constraint == "budget"
    assert "cheapest 3 creators" in s.explanation


def test_empty_brief_explains_that_nothing_matches(brand_member, campaign) -> None:
    s = services.shortlist_suggest(user=brand_member, campaign=campaign)

    assert not s.feasible
    assert s.constraint == "brief"
    assert "No account matches" in s.explanation


def test_quality_minimum_filters_candidates(brand_member, campaign, catalogue) -> None:
    catalogue["a"].score.quality = 40
    catalogue["a"].score.save()

    s = services.shortlist_suggest(user=brand_member, campaign=campaign, quality_min=60)

    assert "pair_a" not in {p.handle for p in s.picks}


def test_accept_adds_missing_picks_only(brand_member, campaign, catalogue) -> None:
    services.entry_add(user=brand_member, campaign=campaign, profile=catalogue["a"])

    added = services.suggestion_accept(
        user=brand_member, campaign=campaign, profile_ids=[catalogue["a"].pk, catalogue["b"].pk]
    )

    assert [e.profile_id for e in added] == [catalogue["b"].pk]
    assert campaign.entries.count() == 2


def test_result_save_upserts_by_post(brand_member, entry) -> None:
    services.result_save(user=brand_member, entry=entry, post_ref="p1", views=10)
    services.result_save(user=brand_member, entry=entry, post_ref="p1", views=20, cost=Decimal("5"))

    r = PostResult.objects.get(entry=entry)
    assert r.views == 20
    assert r.cost == Decimal("5")


def test_results_import_saves_rows_and_is_idempotent(brand_member, campaign, entry) -> None:
    content = (
        b"handle,post,published_on,views,reach,impressions,likes,comments,shares,cost,revenue\n"
        b"@Listed,p1,2026-05-01,1000,800,,90,8,2,100,150\nlisted,p2,,2000,1500,2500,100,10,0,\xc2\xa3100,\n"
    )

    first = services.results_import(user=brand_member, campaign=campaign, content=content)
    second = services.results_import(user=brand_member, campaign=campaign, content=content)

    assert first.errors == []
    assert first.saved == 2
    assert second.saved == 2
    assert PostResult.objects.filter(entry=entry).count() == 2
    r = PostResult.objects.get(post_ref="p1")
    assert r.impressions is None
    assert r.views == 1000
    assert r.revenue == Decimal("150.00")


def test_results_import_reports_every_bad_row_and_saves_nothing(brand_member, campaign, entry) -> None:
    content = b"handle,post,views,cost\nlisted,p1,-5,10\nnobody,p2,1,1\nlisted,p3,abc,1\nlisted,p4,1,1\n"

    report = services.results_import(user=brand_member, campaign=campaign, content=content)

    assert report.saved == 0
    assert not PostResult.objects.exists()
    assert report.errors == [
        "row 2: views must be a whole number of 0 or more, got '-5'",
        "row 3: @nobody is not on this campaign's shortlist",
        "row 4: views must be a whole number of 0 or more, got 'abc'",
    ]


def test_results_import_rejects_unknown_columns(brand_member, campaign, entry) -> None:
    report = services.results_import(user=brand_member, campaign=campaign, content=b"handle,post,viewz\n")

    assert report.errors
    assert "Unknown column(s): viewz" in report.errors[0]


def test_report_totals_per_creator(brand_member, campaign, entry) -> None:
    other = ShortlistEntryFactory(campaign=campaign)
    PostResultFactory(entry=entry, views=1000, cost=Decimal("100"))
    PostResultFactory(entry=other, views=3000, cost=Decimal("100"))

    report = selectors.campaign_report(campaign=campaign)

    assert report.total.totals["views"] == 4000
    assert report.total.cpv == Decimal("0.0500")
    assert sorted(report.chart["views"]) == [1000, 3000]
    assert len(report.rows) == 2


def test_profile_context_lists_history_of_the_creator_across_accounts(
    brand_member, campaign, entry, result, other_brand_member
) -> None:
    tiktok = scored(
        "listed_tt",
        followers=5_000,
        price="50",
        reach=1,
        engagements=1,
        platform="tiktok",
        creator=entry.profile.creator,
    )

    mine = selectors.profile_campaign_context(user=brand_member, profile=tiktok)
    theirs = selectors.profile_campaign_context(user=other_brand_member, profile=tiktok)

    assert [e.pk for e in mine["history"]] == [entry.pk]
    assert mine["history"][0].views == result.views
    assert [c.pk for c in mine["campaign_choices"]] == [campaign.pk]
    assert theirs["history"] == []
    assert theirs["campaign_choices"] == []
    assert ShortlistEntry.objects.count() == 1


def test_budget_below_every_fee_is_explained_not_an_empty_list(brand_member, campaign, catalogue) -> None:
    s = services.shortlist_suggest(user=brand_member, campaign=campaign, budget=Decimal("100"))

    assert not s.feasible
    assert s.constraint == "budget"
    assert "No account that matches the brief costs 100 GBP or less" in s.explanation
