"""Correcting and deleting one できること self-assessment from the resident page: the entry form
prefilled, saving once and replacing the answers (which the reports then count), deleting only
after the confirmation page's POST, both in the audit trail, for the roles that enter answers."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kernel.audit_display import summary_display
from kernel.models import AuditAction, AuditEvent
from reports.figures import fiscal_year_period, report_figures
from residents.models import SkillAnswer, SkillAssessment, SkillItem
from residents.services_skills import skill_assessment_record, skill_items_ensure
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

Point, Channel = SkillAssessment.Point, SkillAssessment.Channel
FY2025 = fiscal_year_period(2025)
AS_OF = datetime(2026, 3, 31, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture
def items():
    skill_items_ensure()
    return {i.code: i for i in SkillItem.objects.all()}


@pytest.fixture
def resident():
    return ResidentFactory(name="山田 花子")


@pytest.fixture
def asked(items, resident, staff_user):
    """山田 花子 asked before (10 April 2025) and after a course (10 June 2025): she could not
    make a call either time, and at the end said she can take a photo."""
    skill_assessment_record(
        resident=resident,
        point=Point.BEFORE,
        asked_on=date(2025, 4, 10),
        channel=Channel.PHONE,
        answers={items["calls"].pk: "cannot", items["camera"].pk: "cannot"},
        by=staff_user,
    )
    return skill_assessment_record(
        resident=resident,
        point=Point.AFTER,
        asked_on=date(2025, 6, 10),
        channel=Channel.PAPER,
        answers={items["calls"].pk: "cannot", items["camera"].pk: "can"},
        by=staff_user,
    )


def _edit_url(a: SkillAssessment) -> str:
    return reverse("residents:skills_edit", args=[a.resident_id, a.pk])


def _delete_url(a: SkillAssessment) -> str:
    return reverse("residents:skills_delete", args=[a.resident_id, a.pk])


def _corrected(items, **extra) -> dict:
    """The form as staff correct it: calls now "can do", the photo left unanswered."""
    data = {
        "point": "after",
        "asked_on": "2025-06-10",
        "channel": "paper",
        f"item_{items['calls'].pk}": "can",
        f"item_{items['camera'].pk}": "",
    }
    data.update(extra)
    return data


def _calls_after(items) -> tuple:
    figures = report_figures(period=FY2025, as_of=AS_OF)
    by_item = {row.key: row.values for row in figures.table("skills_by_item").all_rows()}
    return by_item["calls"][:3], by_item["camera"][:3]


# --- correcting -----------------------------------------------------------------------------


def test_the_resident_page_offers_correct_and_delete_for_each_asking(asked, resident, staff_client):
    html = staff_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    for a in SkillAssessment.objects.all():
        assert _edit_url(a) in html and _delete_url(a) in html


def test_the_correction_form_is_the_entry_form_filled_in_with_the_answers(
    asked, items, staff_client
):
    html = staff_client.get(_edit_url(asked)).content.decode()
    assert "Correct what 山田 花子 can do" in html
    assert 'name="once_token"' in html
    assert 'value="2025-06-10"' in html
    calls, camera = items["calls"].pk, items["camera"].pk
    assert _checked(html, f"item_{calls}") == "cannot"
    assert _checked(html, f"item_{camera}") == "can"
    assert _checked(html, "point") == "after" and _checked(html, "channel") == "paper"


def _checked(html: str, name: str) -> str | None:
    """The value of the checked radio button ``name`` in ``html``."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_correcting_replaces_the_answers_and_the_reports_count_the_corrected_ones(
    asked, items, staff_client, staff_user
):
    # Before the correction: she could not make a call after the course, could take a photo.
    assert _calls_after(items) == (
        (1, Decimal("0.0"), Decimal("0.0")),
        (1, Decimal("0.0"), Decimal("100.0")),
    )

    response = staff_client.post(_edit_url(asked), _corrected(items, once_token="t-1"), follow=True)

    assert "The corrected self-assessment was saved." in response.content.decode()
    assert dict(asked.answers.values_list("item__code", "level")) == {"calls": "can"}
    asked.refresh_from_db()
    assert asked.asked_by == staff_user and asked.point == "after"
    assert SkillAssessment.objects.count() == 2  # corrected, not added
    # The report: calls after the course now "can do"; the photo is no longer answered after.
    calls, camera = _calls_after(items)
    assert calls == (1, Decimal("0.0"), Decimal("100.0"))
    assert camera == (0, None, None)


def test_a_double_click_on_the_correction_saves_once(asked, items, staff_client):
    first = staff_client.post(_edit_url(asked), _corrected(items, once_token="same"))
    # The second click arrives after someone changed the form's answer on another page: it
    # is the same form, so it must not save a second time.
    second = staff_client.post(
        _edit_url(asked),
        _corrected(items, once_token="same", **{f"item_{items['calls'].pk}": "with_help"}),
        follow=True,
    )
    assert first.status_code == 302
    assert "it was not saved twice" in second.content.decode()
    assert dict(asked.answers.values_list("item__code", "level")) == {"calls": "can"}
    events = AuditEvent.objects.filter(
        action=AuditAction.CHANGE, object_type="residents.skillassessment"
    )
    assert events.count() == 1


def test_a_correction_with_a_mistake_is_shown_again_and_changes_nothing(asked, items, staff_client):
    response = staff_client.post(_edit_url(asked), _corrected(items, point="follow_up"))
    assert response.status_code == 400
    assert "At a follow-up, ask whether the resident still uses a smartphone." in (
        response.content.decode()
    )
    assert dict(asked.answers.values_list("item__code", "level")) == {
        "calls": "cannot",
        "camera": "can",
    }


def test_an_item_no_longer_asked_keeps_its_answer_through_a_correction(asked, items, staff_client):
    items["camera"].is_active = False
    items["camera"].save()
    html = staff_client.get(_edit_url(asked)).content.decode()
    assert items["camera"].label in html
    data = _corrected(items, **{f"item_{items['camera'].pk}": "can"})
    staff_client.post(_edit_url(asked), data)
    assert dict(asked.answers.values_list("item__code", "level")) == {
        "calls": "can",
        "camera": "can",
    }


def test_the_correction_is_in_the_audit_trail_naming_what_changed(
    asked, items, staff_client, staff_user
):
    staff_client.post(_edit_url(asked), _corrected(items, channel="phone"))
    event = AuditEvent.objects.get(
        action=AuditAction.CHANGE, object_type="residents.skillassessment"
    )
    assert (event.object_id, event.user, event.resident_ids) == (
        asked.pk,
        staff_user,
        [asked.resident_id],
    )
    assert event.summary == "channel; answers"
    with translation.override("ja"):
        assert summary_display(event.summary, event.object_type) == "方法、できることチェックの回答"


# --- deleting -------------------------------------------------------------------------------


def test_a_get_of_delete_asks_and_deletes_nothing(asked, staff_client):
    response = staff_client.get(_delete_url(asked))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Delete the self-assessment of 山田 花子 asked on" in html
    assert 'name="confirmed" value="yes"' in html
    assert SkillAssessment.objects.filter(pk=asked.pk).exists()


def test_a_post_without_the_confirmation_deletes_nothing(asked, staff_client):
    response = staff_client.post(_delete_url(asked))
    assert response.status_code == 200
    assert SkillAssessment.objects.filter(pk=asked.pk).exists()
    assert SkillAnswer.objects.filter(assessment=asked).count() == 2


def test_the_confirmed_post_deletes_the_asking_and_its_answers(
    asked, items, resident, staff_client, staff_user
):
    response = staff_client.post(_delete_url(asked), {"confirmed": "yes"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(
        reverse("residents:detail", args=[resident.pk])
    )
    assert "The self-assessment was deleted." in html
    assert not SkillAssessment.objects.filter(pk=asked.pk).exists()
    assert not SkillAnswer.objects.filter(assessment_id=asked.pk).exists()
    assert SkillAssessment.objects.filter(resident=resident).count() == 1  # the "before" one
    event = AuditEvent.objects.get(
        action=AuditAction.DELETE, object_type="residents.skillassessment"
    )
    assert (event.object_id, event.user, event.resident_ids) == (
        asked.pk,
        staff_user,
        [resident.pk],
    )
    # The report no longer has an "after" for her.
    calls, _camera = _calls_after(items)
    assert calls == (0, None, None)


def test_a_double_click_on_delete_deletes_once_and_says_so(asked, resident, staff_client):
    staff_client.post(_delete_url(asked), {"confirmed": "yes"})
    again = staff_client.post(_delete_url(asked), {"confirmed": "yes"}, follow=True)
    assert again.status_code == 200
    assert "This self-assessment was already deleted." in again.content.decode()
    assert SkillAssessment.objects.filter(resident=resident).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).count() == 1


# --- who may ---------------------------------------------------------------------------------


def test_coordinators_supporters_and_visitors_may_neither_correct_nor_delete(
    asked, items, coordinator_user, supporter_user, client
):
    for user in (coordinator_user, supporter_user):
        client.force_login(user)
        assert client.get(_edit_url(asked)).status_code == 403
        assert client.post(_edit_url(asked), _corrected(items)).status_code == 403
        assert client.get(_delete_url(asked)).status_code == 403
        assert client.post(_delete_url(asked), {"confirmed": "yes"}).status_code == 403
    client.logout()
    assert client.post(_delete_url(asked), {"confirmed": "yes"}).status_code == 302
    assert client.post(_edit_url(asked), _corrected(items)).status_code == 302
    assert dict(asked.answers.values_list("item__code", "level")) == {
        "calls": "cannot",
        "camera": "can",
    }
    assert SkillAssessment.objects.filter(pk=asked.pk).exists()


def test_staff_of_another_venue_may_correct_as_they_may_enter_answers(
    asked, items, other_staff_user, client
):
    """Residents are shared by every venue: staff of any venue enter their answers
    (residents:skills_new), so they correct them too (tests/project/url_permissions.py)."""
    client.force_login(other_staff_user)
    assert client.get(_edit_url(asked)).status_code == 200
    assert client.post(_edit_url(asked), _corrected(items)).status_code == 302
    assert dict(asked.answers.values_list("item__code", "level")) == {"calls": "can"}


def test_another_residents_asking_or_an_unknown_one_is_not_found(asked, staff_client):
    other = ResidentFactory()
    wrong = reverse("residents:skills_edit", args=[other.pk, asked.pk])
    assert staff_client.get(wrong).status_code == 404
    assert (
        staff_client.get(reverse("residents:skills_delete", args=[other.pk, asked.pk])).status_code
        == 404
    )
    assert (
        staff_client.get(
            reverse("residents:skills_edit", args=[asked.resident_id, 999999])
        ).status_code
        == 404
    )
    # A confirmed POST through another resident's URL deletes nothing.
    staff_client.post(
        reverse("residents:skills_delete", args=[other.pk, asked.pk]), {"confirmed": "yes"}
    )
    assert SkillAssessment.objects.filter(pk=asked.pk).exists()


# --- words --------------------------------------------------------------------------------


def _speak(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_new_words_are_in_japanese_for_japanese_staff_and_english_for_english(
    asked, resident, staff_client
):
    pages = {
        "detail": reverse("residents:detail", args=[resident.pk]),
        "edit": _edit_url(asked),
        "delete": _delete_url(asked),
    }
    ja = {k: _speak(staff_client, "ja").get(url).content.decode() for k, url in pages.items()}
    en = {k: _speak(staff_client, "en").get(url).content.decode() for k, url in pages.items()}

    assert "訂正・削除" in ja["detail"] and ">訂正<" in ja["detail"]
    assert "山田 花子さんのできることの訂正（2025年6月10日(火)のできることチェック）" in ja["edit"]
    assert (
        "訂正した回答を保存" in ja["edit"]
        and "「未回答」にした項目は回答が消えます。" in ja["edit"]
    )
    assert (
        "2025年6月10日(火)に聞いた山田 花子さんのできることチェックを削除しますか？" in ja["delete"]
    )
    assert "回答した項目の数" in ja["delete"] and "できることチェックを削除" in ja["delete"]
    for english in ("Correct", "Delete the self-assessment", "Items answered", "Not answered"):
        assert not any(english in html for html in ja.values()), english

    assert "Correct or delete" in en["detail"]
    assert "Correct what 山田 花子 can do (self-assessment of Tue 10 Jun 2025)" in en["edit"]
    assert "Delete the self-assessment of 山田 花子 asked on Tue 10 Jun 2025?" in en["delete"]
    for japanese in ("訂正", "削除", "回答した項目"):
        assert not any(japanese in html for html in en.values()), japanese
