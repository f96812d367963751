"""One language at a time, in the details a reader notices: dates in one format per language,
audit summaries and the matching solver's status in words, fiscal years as 年度, the kit in the
reader's language, and the Django admin's own words left as Django translates them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from kernel import dates
from kernel.models import AuditEvent, Role
from loans.models import Device
from loans.services import loan_return
from reports.models import Kpi
from tests import factories as f
from volunteers.models import MatchRun

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 12, 16)  # a Wednesday


def _speak(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@time_machine.travel(datetime(2026, 11, 10, 9, 30, tzinfo=JST), tick=False)
def test_dates_have_one_short_and_one_full_format_per_language():
    at = datetime(2026, 12, 16, 1, 5, tzinfo=ZoneInfo("UTC"))  # 10:05 in Tokyo
    with translation.override("ja"):
        assert dates.date_short(DAY) == "12月16日(水)"
        assert dates.date_full(DAY) == "2026年12月16日(水)"
        assert dates.datetime_short(at) == "12月16日(水) 10:05"
        assert dates.datetime_full(at) == "2026年12月16日(水) 10:05"
        assert dates.date_birth(date(1943, 5, 3)) == "1943年5月3日"
        assert dates.month_full(DAY) == "2026年12月"
        assert dates.fiscal_year_label(2026) == "2026年度"
        # A short date of another year keeps its year.
        assert dates.date_short(date(2027, 1, 4)) == "2027年1月4日(月)"
    with translation.override("en"):
        assert dates.date_short(DAY) == "Wed 16 Dec"
        assert dates.date_full(DAY) == "Wed 16 Dec 2026"
        assert dates.datetime_full(at) == "Wed 16 Dec 2026 10:05"
        assert dates.date_birth(date(1943, 5, 3)) == "3 May 1943"
        assert dates.month_full(DAY) == "December 2026"
        assert dates.fiscal_year_label(2026) == "FY2026"
        assert dates.date_short(None) == ""


def test_the_template_filters_and_django_own_date_format_agree():
    template = Template("{% load kernel_dates %}{{ d|date_full }}|{{ d }}|{{ y|fiscal_year }}")
    with translation.override("ja"):
        assert template.render(Context({"d": DAY, "y": 2020})) == (
            "2026年12月16日(水)|2026年12月16日(水)|2020年度"
        )
    with translation.override("en"):
        assert template.render(Context({"d": DAY, "y": 2020})) == (
            "Wed 16 Dec 2026|Wed 16 Dec 2026|FY2020"
        )


def test_a_loan_page_prints_its_dates_the_same_way_in_each_language(client):
    staff_venue = f.VenueFactory()
    user = f.make_user(Role.ADMINISTRATOR)
    loan = f.LoanFactory(start_date=DAY - timedelta(days=182), due_date=DAY)
    client.force_login(user)

    ja = _speak(client, "ja").get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    en = _speak(client, "en").get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()

    assert "2026年12月16日(水)" in ja
    assert "Wed 16 Dec 2026" in en
    assert "年" not in en.replace("日本語", "")
    assert staff_venue.pk  # the venue exists only to give the page a place to list


def _audit_page(client, language: str) -> str:
    return _speak(client, language).get(reverse("audit_list")).content.decode()


def test_the_audit_page_says_pages_fields_and_statuses_in_words(client, admin_user, staff_user):
    loan = f.LoanFactory()
    loan_return(
        loan=loan, by=staff_user, kit_returned=[], condition=Device.Condition.GOOD, data_wiped=True
    )
    staff = _speak(client, "ja")
    staff.force_login(staff_user)
    staff.get(reverse("residents:list"))
    staff.get(reverse("loans:device_detail", args=[loan.device.pk]))
    client.force_login(admin_user)

    ja = _audit_page(client, "ja")
    en = _audit_page(client, "en")

    assert "状態：貸与中 → 返却済み" in ja
    assert "住民一覧" in ja
    assert "端末の詳細" in ja
    for raw in ("residents:list", "loans:device_detail", "active → returned", "status:"):
        assert raw not in ja
    assert "status: On loan → Returned" in en
    assert "Resident list" in en
    # What is stored stays as it was.
    summaries = set(AuditEvent.objects.values_list("summary", flat=True))
    assert "residents:list" in summaries
    assert any("status: active → returned" in s for s in summaries)


def _superuser(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    return admin_user


def test_an_admin_page_read_is_named_by_its_model(client, admin_user):
    resident = f.ResidentFactory()
    client.force_login(_superuser(admin_user))
    client.get(reverse("admin:residents_resident_change", args=[resident.pk]))

    ja = _audit_page(client, "ja")

    assert "admin:residents_resident_change" not in ja
    assert "管理画面：利用者（変更）" in ja


def test_the_solver_status_is_said_in_words(client, coordinator_user):
    today = timezone.localdate()
    run = MatchRun.objects.create(
        date_from=today,
        date_to=today + timedelta(days=7),
        solver_status="OPTIMAL",
        state=MatchRun.State.DONE,
    )
    run.solve_seconds = 1.2
    run.save()
    client.force_login(coordinator_user)

    ja = _speak(client, "ja").get(reverse("volunteers:match_run_detail", args=[run.pk]))

    html = ja.content.decode()
    assert "OPTIMAL" not in html
    assert "最適な案" in html


def test_fiscal_years_read_as_nendo_on_the_kpi_page(client, admin_user):
    Kpi.objects.create(
        code="classes_held",
        name="スマホ教室の開催回数",
        baseline_value=1,
        baseline_fy=2020,
        target_value=8,
        target_fy=2024,
    )
    client.force_login(admin_user)

    html = _speak(client, "ja").get(reverse("reports:kpi_targets")).content.decode()

    assert "FY" not in html
    assert "2020年度" in html


def test_the_kit_is_in_the_readers_language(client, admin_user):
    device = f.DeviceFactory()  # the default kit, stored in Japanese
    client.force_login(admin_user)

    en = _speak(client, "en").get(reverse("loans:device_detail", args=[device.pk]))
    ja = _speak(client, "ja").get(reverse("loans:device_detail", args=[device.pk]))

    assert "charger, cable, case, instructions" in en.content.decode()
    assert "充電器" not in en.content.decode()
    assert "充電器、ケーブル、ケース、説明書" in ja.content.decode()


def test_the_language_button_and_the_admin_change_links_keep_their_own_words(client, admin_user):
    client.force_login(_superuser(admin_user))

    page = _speak(client, "ja").get(reverse("dashboard")).content.decode()
    admin = _speak(client, "ja").get(reverse("admin:index")).content.decode()

    assert ">切替</button>" in page
    assert ">変更</a>" in admin
    assert "切替" not in admin


def test_every_page_has_a_name_for_the_audit_trail():
    from kernel.audit_display import page_name
    from tests.project.fuzz_world import URL_NAMES

    with translation.override("ja"):
        unnamed = [name for name in URL_NAMES if page_name(name) is None]
    assert not unnamed, "Add these URL names to their urls.py PAGE_NAMES: " + ", ".join(unnamed)


def test_summaries_written_by_the_privacy_app_read_in_words():
    from kernel.audit_display import summary_display

    with translation.override("ja"):
        assert summary_display("reason: deceased", "residents.resident") == "理由：本人の死亡"
        assert summary_display("disclosure json", "residents.resident") == (
            "本人開示の書き出し（JSON）"
        )
        # Field names are the model's own: name_kana -> ふりがな.
        assert summary_display("name_kana; phone", "residents.resident") == "ふりがな、電話番号"
