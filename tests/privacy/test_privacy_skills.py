"""The できること self-assessments in the disclosure export, in erasure and in the retention
rule: a resident's answers are handed over, deleted with the rest, and count as activity."""

import csv
import io
import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditAction, AuditEvent
from privacy.selectors import residents_inactive_since, retention_cutoff
from privacy.services import ErasureReason, resident_anonymise
from residents.models import Resident, SkillAnswer, SkillAssessment, SkillItem
from residents.services_skills import skill_assessment_record, skill_items_ensure
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def items():
    skill_items_ensure()
    return {i.code: i for i in SkillItem.objects.all()}


@pytest.fixture
def asked(items, staff_user):
    """山田 asked twice (first contact by phone, follow-up on paper); 佐藤 asked once."""
    resident = ResidentFactory(name="山田 太郎")
    skill_assessment_record(
        resident=resident,
        point=SkillAssessment.Point.BEFORE,
        asked_on=date(2026, 4, 10),
        channel=SkillAssessment.Channel.PHONE,
        answers={items["calls"].pk: "can", items["line"].pk: "cannot"},
        by=staff_user,
    )
    skill_assessment_record(
        resident=resident,
        point=SkillAssessment.Point.FOLLOW_UP,
        asked_on=timezone.localdate(),
        channel=SkillAssessment.Channel.PAPER,
        uses_smartphone="yes",
        answers={items["line"].pk: "with_help"},
        by=staff_user,
    )
    other = ResidentFactory(name="佐藤 次郎")
    skill_assessment_record(
        resident=other,
        point=SkillAssessment.Point.BEFORE,
        asked_on=date(2026, 4, 10),
        channel=SkillAssessment.Channel.PHONE,
        answers={items["scam"].pk: "cannot"},
        by=staff_user,
    )
    return resident


def test_disclosure_json_lists_every_self_assessment_with_who_asked(admin_client_, asked):
    response = admin_client_.get(reverse("privacy:disclosure", args=[asked.pk, "json"]))
    data = json.loads(response.content)
    first, follow_up = data["skill_assessments"]
    assert first["asked_on"] == "2026-04-10" and first["asked_by"] == "staff1"
    assert first["channel"] == "By phone"
    assert first["answers"] == [
        {"item": "電話をかける・受けることができる", "answer": "Can do"},
        {"item": "LINEでメッセージを送る・読むことができる", "answer": "Cannot do"},
    ]
    assert follow_up["uses_smartphone"] == "Yes" and follow_up["channel"] == "Paper form"
    assert "詐欺" not in response.content.decode()  # 佐藤's answer is not 山田's data


def test_disclosure_csv_has_the_assessments_and_each_answer(admin_client_, asked):
    response = admin_client_.get(reverse("privacy:disclosure", args=[asked.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["skill_assessments", "2"] in rows
    start = rows.index(["skill_answers"])
    assert rows[start + 1] == ["assessment_id", "asked_on", "item", "answer"]
    answers = rows[start + 2 :]
    assert [r[2:] for r in answers] == [
        ["電話をかける・受けることができる", "Can do"],
        ["LINEでメッセージを送る・読むことができる", "Cannot do"],
        ["LINEでメッセージを送る・読むことができる", "Can do with help"],
    ]


def test_erasure_deletes_the_residents_answers_and_nobody_elses(admin_user, asked):
    other = Resident.objects.get(name="佐藤 次郎")
    resident_anonymise(resident=asked, by=admin_user, reason=ErasureReason.RESIDENT_REQUEST)
    assert not SkillAssessment.objects.filter(resident=asked).exists()
    assert not SkillAnswer.objects.filter(assessment__resident=asked).exists()
    assert SkillAssessment.objects.filter(resident=other).count() == 1
    # One erasure event stands for everything; no event per deleted assessment.
    assert AuditEvent.objects.filter(action=AuditAction.ERASE, object_id=asked.pk).count() == 1
    assert not AuditEvent.objects.filter(
        action=AuditAction.DELETE, object_type="residents.skillassessment"
    ).exists()


def test_erasure_through_the_page_removes_the_grid_from_the_resident_page(admin_client_, asked):
    url = reverse("privacy:erase", args=[asked.pk])
    admin_client_.post(url, {"reason": "resident_request", "confirm": "on"})
    html = admin_client_.get(reverse("residents:detail", args=[asked.pk])).content.decode()
    assert "No self-assessment recorded yet." in html
    assert "Enter answers" not in html  # nothing more is recorded for an erased record


def test_a_recent_self_assessment_counts_as_activity_for_the_retention_rule(items):
    resident = ResidentFactory(name="確認 最近")
    long_ago = timezone.now() - timedelta(days=365 * 6)
    Resident.objects.filter(pk=resident.pk).update(created_at=long_ago)
    cutoff = retention_cutoff()
    assert resident in residents_inactive_since(cutoff=cutoff)
    skill_assessment_record(
        resident=resident,
        point=SkillAssessment.Point.FOLLOW_UP,
        asked_on=timezone.localdate() - timedelta(days=20),
        channel=SkillAssessment.Channel.PHONE,
        uses_smartphone="no",
        answers={items["calls"].pk: "can"},
    )
    assert resident not in residents_inactive_since(cutoff=cutoff)
