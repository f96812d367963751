"""The resident pages, as staff, coordinators and supporters see them."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration
from residents.models import Resident, ResidentImport
from tests.factories import LoanFactory, RegistrationFactory, ResidentFactory, SessionFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "residents_sample.csv"


def upload(content: bytes, name="list.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def supporter_client(client, supporter_user):
    client.force_login(supporter_user)
    return client


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "needs_pk"),
    [
        ("residents:create", False),
        ("residents:edit", True),
        ("residents:import", False),
        ("residents:duplicates", False),
    ],
)
def test_coordinator_may_not_change_residents(coordinator_client, url_name, needs_pk):
    resident = ResidentFactory()
    url = reverse(url_name, args=[resident.pk] if needs_pk else [])
    assert coordinator_client.get(url).status_code == 403


def test_coordinator_may_view_list_and_detail_without_change_buttons(coordinator_client):
    resident = ResidentFactory(name="山田 太郎")
    page = coordinator_client.get(reverse("residents:list"))
    assert page.status_code == 200 and "山田 太郎" in page.content.decode()
    assert reverse("residents:create") not in page.content.decode()
    detail = coordinator_client.get(reverse("residents:detail", args=[resident.pk]))
    assert detail.status_code == 200
    assert reverse("residents:edit", args=[resident.pk]) not in detail.content.decode()


@pytest.mark.parametrize(
    "url_name", ["residents:list", "residents:create", "residents:import", "residents:duplicates"]
)
def test_supporter_gets_403(supporter_client, url_name):
    assert supporter_client.get(reverse(url_name)).status_code == 403


def test_supporter_gets_403_on_detail_and_resolve(supporter_client):
    original = ResidentFactory()
    flagged = ResidentFactory(possible_duplicate_of=original)
    assert supporter_client.get(reverse("residents:detail", args=[original.pk])).status_code == 403
    response = supporter_client.post(
        reverse("residents:duplicate_resolve", args=[flagged.pk]), {"action": "merge"}
    )
    assert response.status_code == 403
    assert Resident.objects.count() == 2


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("residents:list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- list and search ---------------------------------------------------------------------------


def test_search_box_finds_by_hiragana_and_shows_age_and_device(staff_client):
    ResidentFactory(
        name="鈴木 幸子",
        name_kana="ｽｽﾞｷ ｻﾁｺ",
        birth_date=date(1942, 2, 14),
        district="勿来",
        own_device="android",
        accessibility_needs="大きな文字で",
    )
    ResidentFactory(name="佐藤 和子", name_kana="サトウ カズコ")
    html = staff_client.get(reverse("residents:list"), {"q": "すずき"}).content.decode()
    assert "鈴木 幸子" in html and "佐藤 和子" not in html
    assert "勿来" in html and "Android smartphone" in html and "大きな文字で" in html
    assert "14 Feb 1942" in html


def test_search_by_impossible_date_explains(staff_client):
    html = staff_client.get(reverse("residents:list"), {"q": "1941/02/30"}).content.decode()
    assert "there is no day 30" in html


@pytest.mark.parametrize("count", [5, 50])
def test_list_page_query_count_does_not_grow(staff_client, django_assert_max_num_queries, count):
    for i in range(count):
        ResidentFactory(name=f"山田 {i}", name_kana="やまだ")
    with django_assert_max_num_queries(8):
        assert staff_client.get(reverse("residents:list")).status_code == 200
    with django_assert_max_num_queries(8):
        assert staff_client.get(reverse("residents:list"), {"q": "やまだ"}).status_code == 200


# --- detail ------------------------------------------------------------------------------------


def test_detail_shows_upcoming_past_no_shows_and_loans(
    staff_client, venue, django_assert_max_num_queries
):
    resident = ResidentFactory(name="山田 太郎")
    now = timezone.now()
    RegistrationFactory(resident=resident, session=SessionFactory(title="LINE入門"))
    RegistrationFactory(
        resident=resident,
        session=SessionFactory(
            title="地図アプリ",
            starts_at=now - timedelta(days=7),
            ends_at=now - timedelta(days=7, hours=-1),
        ),
        attendance=Registration.Attendance.ABSENT,
    )
    RegistrationFactory(
        resident=resident,
        session=SessionFactory(
            title="カメラ",
            starts_at=now - timedelta(days=14),
            ends_at=now - timedelta(days=14, hours=-1),
        ),
        attendance=Registration.Attendance.ATTENDED,
    )
    LoanFactory(resident=resident, venue=venue, device__asset_tag="SP-0099")
    # 8, and one for the self-assessments (none here).
    with django_assert_max_num_queries(9):
        response = staff_client.get(reverse("residents:detail", args=[resident.pk]))
    html = response.content.decode()
    upcoming, past = html.split('id="h-past"')
    assert "LINE入門" in upcoming
    assert "地図アプリ" in past and "No-show" in past and "カメラ" in past
    assert "Attended: 1 · No-shows: 1" in past
    assert "SP-0099" in past


def test_detail_shows_only_the_loans_of_the_staffs_venues_and_counts_the_others(
    client, venue, other_venue, staff_user, other_staff_user, admin_user
):
    resident = ResidentFactory(name="山田 太郎")
    LoanFactory(resident=resident, venue=venue, device__asset_tag="SP-HERE")
    LoanFactory(resident=resident, venue=other_venue, device__asset_tag="SP-THERE")
    url = reverse("residents:detail", args=[resident.pk])

    client.force_login(other_staff_user)
    html = client.get(url).content.decode()
    assert "SP-THERE" in html and "SP-HERE" not in html
    assert "1 loan at other venues." in html

    client.force_login(admin_user)
    html = client.get(url).content.decode()
    assert "SP-THERE" in html and "SP-HERE" in html
    assert "at other venues" not in html


def test_detail_of_unknown_resident_is_404(staff_client):
    assert staff_client.get(reverse("residents:detail", args=[999999])).status_code == 404


# --- create / edit -----------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "name": "山田 太郎",
        "name_kana": "やまだ たろう",
        "birth_date": "S20.5.3",
        "phone": "0246-99-0001",
        "own_device": "none",
        "consent_given": "on",
    }
    data.update(overrides)
    return data


def test_create_with_era_date_and_consent(staff_client):
    response = staff_client.post(reverse("residents:create"), form_data())
    resident = Resident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:detail", args=[resident.pk])
    assert resident.birth_date == date(1945, 5, 3)
    assert resident.name_kana == "ヤマダ タロウ"
    assert resident.consent_given and resident.consent_date == timezone.localdate()


def test_create_warns_about_likely_duplicate_until_create_anyway_is_ticked(staff_client):
    existing = ResidentFactory(
        name="山田 太郎", name_kana="ヤマダ タロウ", birth_date=date(1945, 5, 3)
    )
    response = staff_client.post(reverse("residents:create"), form_data(phone=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Already registered?" in html and reverse("residents:detail", args=[existing.pk]) in html
    assert "Create anyway" in html
    assert Resident.objects.count() == 1

    response = staff_client.post(
        reverse("residents:create"), form_data(phone="", create_anyway="on")
    )
    assert response.status_code == 302
    new = Resident.objects.exclude(pk=existing.pk).get()
    assert new.possible_duplicate_of is None  # staff confirmed a different person


def test_create_shows_a_clear_error_for_a_bad_date_and_saves_nothing(staff_client):
    response = staff_client.post(
        reverse("residents:create"), form_data(birth_date="昭和17年2月30日")
    )
    assert response.status_code == 200
    assert "there is no day 30" in response.content.decode()
    assert Resident.objects.count() == 0


def test_create_returns_to_the_phone_screen_with_the_resident_chosen(staff_client):
    response = staff_client.post(
        reverse("residents:create") + "?next=/sessions/phone/", form_data(next="/sessions/phone/")
    )
    resident = Resident.objects.get()
    assert response["Location"] == f"/sessions/phone/?resident={resident.pk}"


def test_create_ignores_a_next_url_to_another_site(staff_client):
    response = staff_client.post(
        reverse("residents:create"), form_data(next="https://evil.example/")
    )
    assert response["Location"] == reverse("residents:detail", args=[Resident.objects.get().pk])


def test_edit_changes_phone_and_shows_era_date_back(staff_client):
    resident = ResidentFactory(birth_date=date(1945, 5, 3), phone="0246-99-0001")
    page = staff_client.get(reverse("residents:edit", args=[resident.pk])).content.decode()
    assert 'value="1945/5/3"' in page
    data = form_data(name=resident.name, name_kana=resident.name_kana, phone="090 1111 2222")
    response = staff_client.post(reverse("residents:edit", args=[resident.pk]), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.phone == "090-1111-2222"


# --- import ------------------------------------------------------------------------------------


def test_upload_is_only_stored_then_read_by_a_task_and_imported_after_confirmation(
    staff_client, staff_user, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    workbook = (DATA / "office_workbook.xlsx").read_bytes()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = staff_client.post(
            reverse("residents:import"), {"file": upload(workbook, "名簿.xlsx")}
        )
    run = ResidentImport.objects.get()
    assert response["Location"] == reverse("residents:import_detail", args=[run.pk])
    # The request stored the file and queued its reading; it parsed nothing.
    assert (run.status, run.created_by, len(queued)) == ("uploaded", staff_user, 1)
    assert run.rows_total == 0 and not run.rows.exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "The list is being read." in page and '<meta http-equiv="refresh"' in page

    queued[0]()  # the preview task (eager in tests)
    run.refresh_from_db()
    assert run.status == "previewed" and Resident.objects.count() == 0
    page = staff_client.get(response["Location"]).content.decode()
    assert "<td>TEL</td><td>電話番号</td>" in page  # the column mapping
    assert "<td>担当者</td><td>not recognised (not read)</td>" in page
    assert "山田 太郎" in page  # the first rows
    assert "Import this list (12 residents)" in page

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("residents:import_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert (run.status, run.progress) == ("done", 100)
    assert (run.rows_imported, run.rows_flagged, run.rows_rejected, run.rows_skipped) == (
        6,
        6,
        4,
        3,
    )
    assert Resident.objects.count() == 12
    page = staff_client.get(reverse("residents:import_detail", args=[run.pk])).content.decode()
    assert "Row 16 吉田" in page and "at most 100 fit" in page  # one long name, no 500


def test_second_upload_of_the_same_file_is_warned_about(
    staff_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    content = SAMPLE.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("residents:import"), {"file": upload(content, "a.csv")})
        second = staff_client.post(reverse("residents:import"), {"file": upload(content, "b.csv")})
    first_run, second_run = ResidentImport.objects.order_by("id")
    page = staff_client.get(second["Location"]).content.decode()
    assert "The same file (identical contents) was uploaded before" in page
    assert reverse("residents:import_detail", args=[first_run.pk]) in page
    first_page = staff_client.get(reverse("residents:import_detail", args=[first_run.pk]))
    assert "The same file" not in first_page.content.decode()


def test_refused_upload_keeps_its_report_and_saves_nobody(
    staff_client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("residents:import"), {"file": upload(b"a,b,c\n1,2,3\n")}
        )
    html = staff_client.get(response["Location"]).content.decode()
    assert "The file was refused; nothing was imported." in html
    assert "No header row was found in the first 20 rows" in html
    assert Resident.objects.count() == 0 and ResidentImport.objects.get().refused
    download = staff_client.get(
        reverse("residents:import_report", args=[ResidentImport.objects.get().pk])
    )
    assert "Refused: No header row" in download.content.decode("utf-8-sig")


def test_report_download_neutralises_cells_and_is_audited(staff_client, supporter_user):
    from django.test import Client

    from kernel.models import AuditAction, AuditEvent
    from residents.services_import import import_residents

    text = "氏名,ふりがな,生年月日,電話番号\n=HYPERLINK(1),いこーる,S20.5.3,0246-99-0001\n"
    run = import_residents(file=text.encode(), file_name="x.csv")
    url = reverse("residents:import_report", args=[run.pk])
    response = staff_client.get(url)
    body = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"] == f'attachment; filename="import-report-{run.pk}.csv"'
    assert "2,imported,'=HYPERLINK(1)" in body
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.object_type, event.object_id, event.resident_count) == (
        "residents.residentimport",
        run.pk,
        1,
    )
    workbook = staff_client.get(url + "?format=xlsx")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(workbook.content)).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "=HYPERLINK(1)" in cells  # stored as text, not a formula
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    supporter = Client()
    supporter.force_login(supporter_user)
    assert supporter.get(url).status_code == 403


# --- duplicates review -------------------------------------------------------------------------


def test_duplicates_page_lists_pairs_and_merge_button_merges(staff_client):
    original = ResidentFactory(name="山田 太郎")
    flagged = ResidentFactory(name="山田　太郎", possible_duplicate_of=original)
    RegistrationFactory(resident=flagged)
    html = staff_client.get(reverse("residents:duplicates")).content.decode()
    assert "山田　太郎" in html and "Same person (merge)" in html and "Different person" in html

    response = staff_client.post(
        reverse("residents:duplicate_resolve", args=[flagged.pk]), {"action": "merge"}, follow=True
    )
    assert "was merged into 山田 太郎" in response.content.decode()
    assert list(Resident.objects.all()) == [original]
    assert original.registrations.count() == 1


def test_different_person_button_clears_the_flag(staff_client):
    original = ResidentFactory()
    flagged = ResidentFactory(possible_duplicate_of=original)
    response = staff_client.post(
        reverse("residents:duplicate_resolve", args=[flagged.pk]),
        {"action": "different"},
        follow=True,
    )
    assert "is kept as a different person" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.possible_duplicate_of is None
    assert "No possible duplicates to review." in response.content.decode()


def test_resolving_twice_gives_a_message_not_an_error(staff_client):
    original = ResidentFactory()
    flagged = ResidentFactory(possible_duplicate_of=original)
    url = reverse("residents:duplicate_resolve", args=[flagged.pk])
    staff_client.post(url, {"action": "different"})
    response = staff_client.post(url, {"action": "merge"}, follow=True)
    assert "no longer marked as a possible duplicate" in response.content.decode()
    assert Resident.objects.count() == 2
