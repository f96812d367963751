"""The できること self-assessment: the items seeded and editable, staff entering a resident's
answers (once, audited, with clear refusals), the grid on the resident page, and the one-page
paper form in large type."""

import importlib
import io
from datetime import date, timedelta

import pdfplumber
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from kernel.models import AuditAction, AuditEvent
from residents.models import SkillAnswer, SkillAssessment, SkillItem
from residents.services_skills import skill_assessment_record, skill_items_ensure
from tests.factories import ResidentFactory
from tests.reports.pdf_helpers import assert_only_embedded_ipaex, pdf_pages_text

pytestmark = pytest.mark.django_db

Point, Channel = SkillAssessment.Point, SkillAssessment.Channel


@pytest.fixture
def items():
    skill_items_ensure()
    return list(SkillItem.objects.order_by("position"))


@pytest.fixture
def resident():
    return ResidentFactory(name="山田 花子")


def _post(items, **extra):
    data = {"point": "before", "asked_on": timezone.localdate().isoformat(), "channel": "phone"}
    data.update({f"item_{items[0].pk}": "can", f"item_{items[5].pk}": "with_help"})
    data.update(extra)
    return data


# --- the items ------------------------------------------------------------------------------


def test_the_migration_seeds_ten_items_and_keeps_the_administrators_wording():
    SkillItem.objects.all().delete()
    SkillItem.objects.create(code="line", position=1, text="LINEを使える（市の文言）")
    seed = importlib.import_module("residents.migrations.0008_seed_skill_items").seed
    seed(apps, None)
    codes = list(SkillItem.objects.order_by("position").values_list("code", flat=True))
    assert len(codes) == 10 and set(codes) >= {"power_buttons", "calls", "my_number", "scam"}
    assert SkillItem.objects.get(code="line").text == "LINEを使える（市の文言）"


def test_load_program_data_adds_missing_items_and_the_kpi_once():
    from dashboard.program_data import program_data_load
    from reports.models import Kpi

    SkillItem.objects.filter(code="scam").delete()
    SkillItem.objects.filter(code="maps").update(text="地図（変更済み）")
    result = program_data_load(directory=settings.PROGRAM_DATA_DIR)
    assert any("1" in str(c) for c in result.created_defaults)
    assert SkillItem.objects.filter(code="scam").exists()
    assert SkillItem.objects.get(code="maps").text == "地図（変更済み）"
    kpi = Kpi.objects.get(code="skills_after_8")
    assert kpi.unit == "%" and kpi.baseline_value is None
    again = program_data_load(directory=settings.PROGRAM_DATA_DIR)
    assert not [c for c in again.created_defaults if "KPI" in str(c)]
    assert SkillItem.objects.count() == 10


def test_the_administrator_edits_wording_in_both_languages_in_the_admin(items, client):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.jp", "pw-12345678")
    client.force_login(root)
    url = reverse("admin:residents_skillitem_change", args=[items[1].pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "code": items[1].code,
            "position": 15,
            "text": "電話をかけられる",
            "text_en": "Make a phone call",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:residents_skillitem_changelist")).status_code == 200
    item = SkillItem.objects.get(pk=items[1].pk)
    assert (item.text, item.text_en, item.position) == ("電話をかけられる", "Make a phone call", 15)


# --- the service ----------------------------------------------------------------------------


def test_recording_keeps_the_day_the_point_who_asked_and_each_answer(items, resident, staff_user):
    a = skill_assessment_record(
        resident=resident,
        point=Point.AFTER,
        asked_on=date(2026, 3, 2),
        channel=Channel.PAPER,
        answers={items[0].pk: "can", items[1].pk: "cannot", items[2].pk: ""},
        by=staff_user,
    )
    assert (a.point, a.asked_on, a.channel, a.asked_by) == (
        "after",
        date(2026, 3, 2),
        "paper",
        staff_user,
    )
    assert dict(a.answers.values_list("item__code", "level")) == {
        "power_buttons": "can",
        "calls": "cannot",
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"asked_on": timezone.localdate() + timedelta(days=1)}, "asked_on", "in the future"),
        ({"point": Point.FOLLOW_UP}, "uses_smartphone", "still uses a smartphone"),
        ({"answers": {}}, "__all__", "No item was answered"),
        ({"answers": {999999: "can"}}, "__all__", "no longer exists"),
        ({"answers": "bad-level"}, "__all__", "not one of the three"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    items, resident, change, field, message
):
    kwargs = {
        "resident": resident,
        "point": Point.BEFORE,
        "asked_on": timezone.localdate(),
        "channel": Channel.PHONE,
        "answers": {items[0].pk: "can"},
    }
    if change.get("answers") == "bad-level":
        change = {"answers": {items[0].pk: "maybe"}}
    kwargs.update(change)
    with pytest.raises(ValidationError) as caught:
        skill_assessment_record(**kwargs)
    assert any(message in m for m in caught.value.message_dict[field])
    assert not SkillAssessment.objects.exists() and not SkillAnswer.objects.exists()


def test_nothing_more_is_recorded_for_an_erased_resident(items, resident):
    resident.anonymised_at = timezone.now()
    resident.save()
    with pytest.raises(ValidationError, match="erased"):
        skill_assessment_record(
            resident=resident,
            point=Point.BEFORE,
            asked_on=timezone.localdate(),
            channel=Channel.PHONE,
            answers={items[0].pk: "can"},
        )


# --- the staff page -------------------------------------------------------------------------


def test_staff_reach_the_form_from_the_resident_page_and_save_the_answers(
    items, resident, staff_client, staff_user
):
    detail = staff_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    new_url = reverse("residents:skills_new", args=[resident.pk])
    assert new_url in detail and "No self-assessment recorded yet." in detail
    page = staff_client.get(new_url).content.decode()
    assert all(item.label in page for item in items)
    assert 'name="once_token"' in page
    response = staff_client.post(new_url, _post(items, once_token="tok-1"), follow=True)
    html = response.content.decode()
    assert "The self-assessment was saved." in html
    [a] = SkillAssessment.objects.all()
    assert a.asked_by == staff_user and a.channel == "phone"
    # The grid: the item answered "can do" and the one answered "with help".
    assert "Can do</span>" in html and "Can do with help" in html
    assert "First contact (before)" in html and "staff1" in html


def test_a_double_click_saves_one_assessment(items, resident, staff_client):
    url = reverse("residents:skills_new", args=[resident.pk])
    first = staff_client.post(url, _post(items, once_token="same-token"))
    second = staff_client.post(url, _post(items, once_token="same-token"))
    assert first.status_code == second.status_code == 302
    assert SkillAssessment.objects.count() == 1
    assert SkillAnswer.objects.count() == 2


def test_a_follow_up_without_the_smartphone_question_is_shown_again_with_the_reason(
    items, resident, staff_client
):
    url = reverse("residents:skills_new", args=[resident.pk])
    response = staff_client.post(url, _post(items, point="follow_up"))
    assert response.status_code == 400
    assert "At a follow-up, ask whether the resident still uses a smartphone." in (
        response.content.decode()
    )
    assert not SkillAssessment.objects.exists()
    ok = staff_client.post(url, _post(items, point="follow_up", uses_smartphone="yes"))
    assert ok.status_code == 302
    assert SkillAssessment.objects.get().uses_smartphone == "yes"


def test_coordinators_and_supporters_may_not_enter_answers(
    items, resident, coordinator_user, supporter_user, client
):
    url = reverse("residents:skills_new", args=[resident.pk])
    for user in (coordinator_user, supporter_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, _post(items)).status_code == 403
    assert not SkillAssessment.objects.exists()


def test_the_form_page_and_the_named_paper_form_are_in_the_audit_trail(
    items, resident, staff_client, staff_user
):
    staff_client.get(reverse("residents:skills_new", args=[resident.pk]))
    staff_client.get(reverse("residents:skills_form_named", args=[resident.pk]))
    staff_client.post(reverse("residents:skills_new", args=[resident.pk]), _post(items))
    events = AuditEvent.objects.filter(user=staff_user).order_by("id")
    view, export, created = events[0], events[1], events[2]
    assert (view.action, view.object_id, view.resident_ids) == (
        AuditAction.VIEW,
        resident.pk,
        [resident.pk],
    )
    assert (export.action, export.object_id) == (AuditAction.EXPORT, resident.pk)
    assert (created.action, created.object_type) == (
        AuditAction.CREATE,
        "residents.skillassessment",
    )


def test_the_resident_page_shows_answers_over_time_newest_first(items, resident, staff_client):
    for on, level, point in (
        (date(2025, 4, 1), "cannot", Point.BEFORE),
        (date(2025, 7, 1), "can", Point.AFTER),
    ):
        skill_assessment_record(
            resident=resident,
            point=point,
            asked_on=on,
            channel=Channel.PHONE,
            answers={items[3].pk: level},
        )
    html = staff_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    row = html[html.index(items[3].label) :]
    row = row[: row.index("</tr>")]
    assert row.index("Can do") < row.index("Cannot do")  # July (after) left of April (before)


def test_the_resident_page_makes_the_same_number_of_queries_with_many_answers(
    items, resident, staff_client, django_assert_num_queries
):
    url = reverse("residents:detail", args=[resident.pk])

    def add(n):
        for i in range(n):
            skill_assessment_record(
                resident=resident,
                point=Point.BEFORE,
                asked_on=date(2025, 1, 1) + timedelta(days=i),
                channel=Channel.PHONE,
                answers={item.pk: "can" for item in items},
            )

    add(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    add(10)
    with django_assert_num_queries(len(few.captured_queries) + 1):  # + the total's count
        staff_client.get(url)


# --- the paper form -------------------------------------------------------------------------


def _pdf(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_blank_paper_form_is_one_a4_page_in_large_type_with_every_item(items, staff_client):
    content = _pdf(staff_client, reverse("residents:skills_form"))
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert_only_embedded_ipaex(content)
    text = "".join(pdf_pages_text(content)).replace("\n", "")
    assert "できることチェック表" in text
    for item in items:
        assert item.text in text
    for word in ("できる", "手伝いが", "できない", "いま、スマートフォンを使っていますか。"):
        assert word in text
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        chars = pdf.pages[0].chars
        first_item = [c for c in chars if c["text"] == items[0].text[0]]
        assert max(c["size"] for c in first_item) >= 14


def test_the_paper_form_stays_on_one_page_with_more_items_and_skips_unasked_ones(
    items, staff_client
):
    SkillItem.objects.filter(code="scam").update(is_active=False)
    for n in range(5):
        SkillItem.objects.create(code=f"extra{n}", position=200 + n, text=f"追加の項目{n}をできる")
    content = _pdf(staff_client, reverse("residents:skills_form"))
    assert len(PdfReader(io.BytesIO(content)).pages) == 1
    text = "".join(pdf_pages_text(content)).replace("\n", "")
    assert "追加の項目4をできる" in text
    assert "詐欺" not in text


def test_the_named_paper_form_prints_the_residents_name(items, resident, staff_client):
    content = _pdf(staff_client, reverse("residents:skills_form_named", args=[resident.pk]))
    text = "".join(pdf_pages_text(content))
    assert "山田 花子" in text or "山田花子" in text.replace(" ", "")
