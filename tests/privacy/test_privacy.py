"""Retention (anonymising inactive residents), disclosure (本人開示) and erasure on request."""

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes.models import CallListEntry, Consultation, Registration, Session
from kernel.models import AuditAction, AuditEvent
from loans.models import Loan, LoanApplication, LoanCheckIn
from privacy.selectors import residents_inactive_since, retention_cutoff
from privacy.services import ANONYMOUS_NAME, ErasureReason, resident_anonymise
from privacy.tasks import anonymise_inactive_residents
from residents.models import Resident
from tests.factories import (
    LoanFactory,
    LoanPolicyFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

YEARS_AGO = 7  # older than the default retention of 5 years


def _long_ago(days: int = 0):
    return timezone.now() - timedelta(days=365 * YEARS_AGO + days)


def _old_resident(**kwargs) -> Resident:
    resident = ResidentFactory(**kwargs)
    Resident.objects.filter(pk=resident.pk).update(created_at=_long_ago(30))
    return resident


def _old_attendance(resident: Resident, session: Session, attended: bool = True) -> Registration:
    reg = RegistrationFactory(
        session=session,
        resident=resident,
        companion="娘 花子",
        attendance=Registration.Attendance.ATTENDED if attended else Registration.Attendance.ABSENT,
    )
    Registration.objects.filter(pk=reg.pk).update(created_at=session.starts_at - timedelta(days=3))
    return reg


def _old_session(venue, days: int = 0) -> Session:
    start = _long_ago(days)
    return SessionFactory(venue=venue, starts_at=start, ends_at=start + timedelta(hours=1))


# --- anonymising one resident --------------------------------------------------------------------


def test_anonymising_erases_identity_and_keeps_what_the_figures_need(venue, admin_user):
    resident = _old_resident(
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        birth_date=date(1948, 11, 23),
        phone="0246-22-1111",
        email="taro@example.jp",
        district="小名浜",
        household="alone",
        accessibility_needs="補聴器",
        proxy_name="山田 花子",
        proxy_phone="090-1234-5678",
        proxy_relation="娘",
        notes="耳が遠い",
    )
    reg = _old_attendance(resident, _old_session(venue))
    entry = CallListEntry.objects.create(
        registration=reg, reason=CallListEntry.Reason.REMINDER, note="娘さんに伝言"
    )

    resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.RESIDENT_REQUEST)

    resident.refresh_from_db()
    assert resident.name == ANONYMOUS_NAME
    for field in ("name_kana", "phone", "email", "accessibility_needs", "proxy_name"):
        assert getattr(resident, field) == "", field
    assert resident.proxy_phone == resident.proxy_relation == resident.notes == ""
    assert resident.phone_digits == "" and resident.search_name != "山田太郎"
    assert resident.birth_date == date(1948, 7, 1)  # the birth year is kept
    assert (resident.district, resident.household) == ("小名浜", "alone")
    assert resident.anonymised_at is not None
    reg.refresh_from_db()
    entry.refresh_from_db()
    assert reg.companion == "" and entry.note == ""
    assert reg.attendance == Registration.Attendance.ATTENDED
    [event] = AuditEvent.objects.filter(action=AuditAction.ERASE)
    assert event.object_id == resident.pk and event.user == admin_user
    assert event.summary == "reason: resident_request"
    assert not AuditEvent.objects.filter(summary__contains="山田").exists()


def test_erasure_is_refused_while_a_device_is_on_loan_and_nothing_changes(admin_user, venue):
    resident = ResidentFactory(name="山田 太郎")
    LoanFactory(resident=resident, venue=venue, device__asset_tag="SP-0042")
    with pytest.raises(ValidationError, match="SP-0042"):
        resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.OTHER)
    resident.refresh_from_db()
    assert resident.name == "山田 太郎" and resident.anonymised_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.ERASE).exists()


def test_erasure_is_refused_with_an_upcoming_registration_or_an_open_application(admin_user):
    resident = ResidentFactory(name="山田 太郎")
    reg = RegistrationFactory(resident=resident)  # the factory's session is in 3 days
    with pytest.raises(ValidationError, match="upcoming session"):
        resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.OTHER)
    Registration.objects.filter(pk=reg.pk).update(status=Registration.Status.CANCELLED)
    LoanApplication.objects.create(resident=resident, policy=LoanPolicyFactory())
    with pytest.raises(ValidationError, match="open loan application"):
        resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.OTHER)


def test_anonymising_twice_says_it_was_already_done(admin_user):
    resident = ResidentFactory()
    resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.DECEASED)
    with pytest.raises(ValidationError, match="already erased"):
        resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.DECEASED)


# --- who is inactive -----------------------------------------------------------------------------


def test_only_residents_without_activity_since_the_cutoff_are_selected(venue):
    cutoff = retention_cutoff()
    assert cutoff.year == timezone.localtime().year - settings.RESIDENT_RETENTION_YEARS
    inactive = _old_resident(name="古い 人")
    _old_attendance(inactive, _old_session(venue))
    never_came = _old_resident(name="来なかった 人")
    recent_class = _old_resident(name="最近 来た")
    recent = timezone.now() - timedelta(days=30)
    _old_attendance(recent_class, SessionFactory(venue=venue, starts_at=recent,
                                                 ends_at=recent + timedelta(hours=1)))  # fmt: skip
    future_class = _old_resident(name="予約 あり")
    reg = RegistrationFactory(resident=future_class)  # in 3 days, made long ago
    Registration.objects.filter(pk=reg.pk).update(created_at=_long_ago())
    on_loan = _old_resident(name="貸与 中")
    loan = LoanFactory(resident=on_loan, venue=venue, start_date=_long_ago().date())
    Loan.objects.filter(pk=loan.pk).update(created_at=_long_ago())
    returned_recently = _old_resident(name="返却 最近")
    LoanFactory(resident=returned_recently, venue=venue, status=Loan.Status.RETURNED,
                start_date=_long_ago().date(), returned_on=timezone.localdate())  # fmt: skip
    Loan.objects.filter(resident=returned_recently).update(created_at=_long_ago())
    consulted = _old_resident(name="相談 最近")
    desk = SessionFactory(venue=venue, kind=Session.Kind.CONSULTATION, topic=None)
    Consultation.objects.create(session=desk, resident=consulted, slot_start=desk.starts_at)
    applied = _old_resident(name="申込 中")
    LoanApplication.objects.create(resident=applied, policy=LoanPolicyFactory(),
                                   applied_at=_long_ago())  # fmt: skip
    ResidentFactory(name="新しい 人")  # registered today
    erased = _old_resident(name="消去 済み")
    Resident.objects.filter(pk=erased.pk).update(anonymised_at=timezone.now())

    selected = set(residents_inactive_since(cutoff=cutoff).values_list("name", flat=True))
    assert selected == {"古い 人", "来なかった 人"}
    assert never_came.pk in set(
        residents_inactive_since(cutoff=cutoff).values_list("pk", flat=True)
    )


def test_a_check_in_during_an_old_loan_counts_as_activity(venue):
    resident = _old_resident(name="確認 最近")
    loan = LoanFactory(resident=resident, venue=venue, status=Loan.Status.RETURNED,
                       start_date=_long_ago().date(), returned_on=_long_ago(-30).date())  # fmt: skip
    Loan.objects.filter(pk=loan.pk).update(created_at=_long_ago())
    cutoff = retention_cutoff()
    assert resident in residents_inactive_since(cutoff=cutoff)
    LoanCheckIn.objects.create(loan=loan, on=timezone.localdate() - timedelta(days=10),
                               channel=LoanCheckIn.Channel.PHONE, satisfaction=4)  # fmt: skip
    assert resident not in residents_inactive_since(cutoff=cutoff)


# --- the scheduled task and the figures ----------------------------------------------------------


def _figures() -> dict:
    """Figures a report shows: registrations and attendances per session, attendances by
    district and age band (from the birth year, at the report year), loans by district."""
    regs = Registration.objects.exclude(status=Registration.Status.CANCELLED)
    per_session = Counter(regs.values_list("session_id", flat=True))
    attended = regs.filter(attendance=Registration.Attendance.ATTENDED)
    per_session_attended = Counter(attended.values_list("session_id", flat=True))
    year = timezone.localdate().year
    by_band = Counter(
        (district, (year - birth.year) // 10 * 10 if birth else None)
        for district, birth in attended.values_list("resident__district", "resident__birth_date")
    )
    by_city = Counter(attended.values_list("resident__lives_in_city", flat=True))
    loans = Counter(Loan.objects.values_list("resident__district", "status"))
    return {
        "per_session": per_session,
        "per_session_attended": per_session_attended,
        "by_band": by_band,
        "by_city": by_city,
        "loans": loans,
        "residents": Resident.objects.count(),
    }


def test_the_daily_task_anonymises_inactive_residents_once_and_figures_do_not_change(
    venue, other_venue
):
    sessions = [_old_session(venue, days=10), _old_session(other_venue, days=20)]
    people = []
    for i, (district, birth) in enumerate(
        [
            ("平", date(1940, 1, 5)),
            ("平", date(1950, 12, 31)),
            ("小名浜", date(1945, 6, 30)),
            ("小名浜", date(1960, 7, 2)),
            ("勿来", None),
        ]  # fmt: skip
    ):
        person = _old_resident(district=district, birth_date=birth, lives_in_city=i != 4)
        people.append(person)
        for session in sessions[: 1 + i % 2]:
            _old_attendance(person, session, attended=i != 3)
    LoanFactory(resident=people[0], venue=venue, status=Loan.Status.RETURNED,
                start_date=_long_ago(100).date(), returned_on=_long_ago(50).date())  # fmt: skip
    Loan.objects.update(created_at=_long_ago(100))
    active = ResidentFactory(name="最近 来た", district="平")
    _old_attendance(active, SessionFactory(venue=venue))
    before = _figures()

    result = anonymise_inactive_residents.delay().get()

    assert result == {"anonymised": 5, "skipped": 0}
    assert _figures() == before
    assert Resident.objects.filter(anonymised_at__isnull=False).count() == 5
    assert set(Resident.objects.filter(anonymised_at__isnull=False).values_list("name", flat=True)) == {ANONYMOUS_NAME}  # fmt: skip
    active.refresh_from_db()
    assert active.name == "最近 来た" and active.anonymised_at is None
    events = AuditEvent.objects.filter(action=AuditAction.ANONYMISE)
    assert events.count() == 5 and set(events.values_list("username", flat=True)) == {""}
    assert anonymise_inactive_residents() == {"anonymised": 0, "skipped": 0}


def test_the_retention_period_comes_from_the_setting(settings, venue):
    person = _old_resident(name="古い 人")
    _old_attendance(person, _old_session(venue))
    settings.RESIDENT_RETENTION_YEARS = YEARS_AGO + 3
    assert anonymise_inactive_residents() == {"anonymised": 0, "skipped": 0}
    settings.RESIDENT_RETENTION_YEARS = YEARS_AGO - 1
    assert anonymise_inactive_residents() == {"anonymised": 1, "skipped": 0}


def test_the_task_runs_daily_from_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["residents-anonymise-inactive"]
    assert entry["task"] == "residents.tasks.anonymise_inactive_residents"
    assert entry["schedule"] == 24 * 60 * 60


# --- disclosure (本人開示) ------------------------------------------------------------------------


@pytest.fixture
def held(venue):
    """A resident with one of everything held about them, and somebody else's data beside it."""
    resident = ResidentFactory(name="山田 太郎", phone="0246-22-1111", notes="耳が遠い")
    session = SessionFactory(venue=venue, title="LINE入門")
    reg = RegistrationFactory(session=session, resident=resident, companion="娘 花子")
    CallListEntry.objects.create(
        registration=reg, reason=CallListEntry.Reason.REMINDER, note="留守電"
    )
    desk = SessionFactory(venue=venue, kind=Session.Kind.CONSULTATION, topic=None)
    Consultation.objects.create(
        session=desk, resident=resident, slot_start=desk.starts_at, note="詐欺メールの相談"
    )
    loan = LoanFactory(resident=resident, venue=venue, device__asset_tag="SP-0777")
    LoanCheckIn.objects.create(loan=loan, on=timezone.localdate(), satisfaction=5,
                               channel=LoanCheckIn.Channel.PHONE, difficulties="文字入力")  # fmt: skip
    LoanApplication.objects.create(resident=resident, policy=loan.policy)
    other = ResidentFactory(name="佐藤 次郎")
    RegistrationFactory(session=session, resident=other, companion="佐藤 妻")
    return resident


def test_the_administrator_downloads_everything_held_as_json(admin_client_, admin_user, held):
    response = admin_client_.get(reverse("privacy:disclosure", args=[held.pk, "json"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["resident"]["name"] == "山田 太郎" and data["resident"]["notes"] == "耳が遠い"
    assert [r["session"] for r in data["registrations"]] == ["LINE入門"]
    assert data["registrations"][0]["companion"] == "娘 花子"
    assert data["call_list"][0]["note"] == "留守電"
    assert data["consultations"][0]["note"] == "詐欺メールの相談"
    assert "SP-0777" in data["loans"][0]["device"]
    assert data["loans"][0]["check_ins"][0]["difficulties"] == "文字入力"
    assert len(data["loan_applications"]) == 1
    assert "佐藤" not in response.content.decode()
    [event] = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    assert (event.object_id, event.user, event.summary) == (held.pk, admin_user, "disclosure json")


def test_the_csv_export_opens_in_excel_and_lists_each_section(admin_client_, held):
    response = admin_client_.get(reverse("privacy:disclosure", args=[held.pk, "csv"]))
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the BOM as UTF-8
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    cells = {cell for row in rows for cell in row}
    assert {"山田 太郎", "LINE入門", "詐欺メールの相談", "文字入力", "留守電"} <= cells
    sections = [row[0] for row in rows if row and row[0] in (
        "registrations", "call_list", "consultations", "loans", "loan_applications")]  # fmt: skip
    assert sections == ["registrations", "call_list", "consultations", "loans",
                        "loan_applications"]  # fmt: skip
    assert not any("佐藤" in cell for cell in cells)


def test_only_the_administrator_may_export_or_erase(held, staff_user, coordinator_user, client):
    for user in (staff_user, coordinator_user):
        other = Client()
        other.force_login(user)
        assert other.get(reverse("privacy:disclosure", args=[held.pk, "json"])).status_code == 403
        assert other.post(reverse("privacy:erase", args=[held.pk])).status_code == 403
        page = other.get(reverse("residents:detail", args=[held.pk])).content.decode()
        assert "Erase personal data" not in page and "disclosure" not in page
    assert client.get(reverse("privacy:disclosure", args=[held.pk, "csv"])).status_code == 302
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_unknown_export_format_is_not_found(admin_client_, held):
    assert (
        admin_client_.get(reverse("privacy:disclosure", args=[held.pk, "pdf"])).status_code == 404
    )


# --- erasure on request ---------------------------------------------------------------------------


def test_erasure_page_refuses_while_a_loan_is_active_with_a_clear_message(admin_client_, held):
    url = reverse("privacy:erase", args=[held.pk])
    detail = admin_client_.get(reverse("residents:detail", args=[held.pk])).content.decode()
    assert url in detail
    page = admin_client_.get(url)
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    response = admin_client_.post(url, {"reason": "resident_request", "confirm": "on"})
    assert response.status_code == 200
    assert "SP-0777 on loan" in response.content.decode()
    held.refresh_from_db()
    assert held.name == "山田 太郎" and held.anonymised_at is None


def test_erasure_needs_a_reason_and_the_confirmation(admin_client_):
    resident = ResidentFactory(name="山田 太郎")
    url = reverse("privacy:erase", args=[resident.pk])
    response = admin_client_.post(url, {"reason": "resident_request"})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = admin_client_.post(url, {"confirm": "on"})
    assert response.status_code == 200
    resident.refresh_from_db()
    assert resident.anonymised_at is None


def test_erasure_on_request_leaves_an_anonymous_record_and_an_audit_event(
    admin_client_, admin_user
):
    resident = ResidentFactory(name="山田 太郎", phone="0246-22-1111")
    url = reverse("privacy:erase", args=[resident.pk])
    response = admin_client_.post(url, {"reason": "proxy_request", "confirm": "on"}, follow=True)
    html = response.content.decode()
    assert "was erased" in html and "Anonymised" in html and "山田" not in html
    resident.refresh_from_db()
    assert resident.name == ANONYMOUS_NAME and resident.phone == ""
    [event] = AuditEvent.objects.filter(action=AuditAction.ERASE)
    assert event.user == admin_user and event.summary == "reason: proxy_request"
    assert event.path == url
    # A second visit says it is done instead of offering to erase again.
    again = admin_client_.get(url, follow=True).content.decode()
    assert "already been erased" in again


def test_erasure_takes_the_name_out_of_the_import_reports_that_brought_the_resident_in(
    admin_user,
):
    from residents.models import ResidentImport, ResidentImportRow

    resident = ResidentFactory(name="山田 太郎", name_kana="ヤマダ タロウ")
    run = ResidentImport.objects.create(
        file_name="名簿.xlsx",
        status=ResidentImport.Status.DONE,
        report="2行目 山田 太郎: 取り込みました",
        preview={"rows": [["山田 太郎", "ヤマダ タロウ"]]},
    )
    ResidentImportRow.objects.create(
        run=run, row_number=2, outcome="imported", name="山田 太郎", reason="", resident=resident
    )
    resident_anonymise(resident=resident, by=admin_user, reason=ErasureReason.RESIDENT_REQUEST)

    run.refresh_from_db()
    assert "山田" not in run.report and ANONYMOUS_NAME in run.report
    preview = json.dumps(run.preview, ensure_ascii=False)
    assert "山田" not in preview and "ヤマダ" not in preview
    row = ResidentImportRow.objects.get(run=run)
    assert (row.name, row.outcome) == ("", "imported")
