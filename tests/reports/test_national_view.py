"""The national-units page: the form (a fiscal year or two dates, 和暦 accepted; all venues or
one), the file made in the background like every report, its download, and who may ask."""

import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from reports.models import GeneratedReport
from tests.reports.program_fixture import AS_OF, build_program
from tests.reports.test_national_units import PARTICIPANTS, UNITS, parse_csv, parse_workbook

pytestmark = pytest.mark.django_db

PAGE = reverse("reports:national_export")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def ask(client, **data):
    form = {"period_kind": "fiscal_year", "fiscal_year": "2027", "venue": "", "format": "xlsx"}
    form.update(data)
    return client.post(PAGE, form)


def download(client, report) -> bytes:
    response = client.get(reverse("reports:report_download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


def test_administrator_makes_the_excel_file_of_a_fiscal_year_typed_in_japanese_era(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    program = build_program()
    page = admin_client_.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "can be changed in settings; now: 60 minutes" in body  # the rules, on the page too
    # After the fiscal year, so that every session of the fixture is held (a login then).
    with time_machine.travel(AS_OF, tick=False):
        admin_client_.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = ask(admin_client_, fiscal_year="令和９年度")
    assert response.status_code == 302
    report = GeneratedReport.objects.get()
    assert report.kind == GeneratedReport.Kind.NATIONAL
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == (
        "2027-04-01",
        "2028-03-31",
    )
    assert report.scope == "program" and not report.published
    assert report.status == GeneratedReport.Status.DONE
    body = admin_client_.get(PAGE).content.decode()
    assert "National program units" in body and "Ready" in body
    tables, rules, _book = parse_workbook(download(admin_client_, report))
    assert tables[UNITS]["Total"]["All kinds: sessions"] == 4
    assert tables[PARTICIPANTS]["Total"]["Unique residents"] == 6
    assert tables[UNITS][program.central.name]["Classes: sessions"] == 2
    assert rules


def test_a_period_of_two_dates_in_japanese_era_for_one_venue_as_csv(
    admin_client_, admin_user, django_capture_on_commit_callbacks
):
    program = build_program()
    # After the fiscal year, so that every session of the fixture is held (a login then).
    with time_machine.travel(AS_OF, tick=False):
        admin_client_.force_login(admin_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = ask(
                admin_client_,
                period_kind="dates",
                fiscal_year="",
                date_from="令和10年2月1日",
                date_to="R10.2.29",
                venue=str(program.onahama.pk),
                format="csv",
            )
    assert response.status_code == 302
    report = GeneratedReport.objects.get()
    assert report.venue == program.onahama and report.format == "csv"
    assert report.period_end.isoformat() == "2028-02-29"
    tables, _rules = parse_csv(download(admin_client_, report))
    assert list(tables[UNITS]) == [program.onahama.name, "Total"]
    assert tables[PARTICIPANTS]["Total"]["Participants in total"] == 6  # the salon S3


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"fiscal_year": "令和九十年度"}, "is not a fiscal year"),
        ({"fiscal_year": ""}, "Enter the fiscal year."),
        (
            {"period_kind": "dates", "date_from": "令和9年2月30日", "date_to": "2027-03-01"},
            "no day 30",
        ),
        ({"period_kind": "dates", "date_from": "2027-05-01", "date_to": "2027-04-01"}, "before"),
        ({"period_kind": "dates", "date_from": "2027-05-01", "date_to": ""}, "last day"),
        ({"format": "pdf"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_asked(admin_client_, data, field_error):
    response = ask(admin_client_, **data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not GeneratedReport.objects.exists()


def test_staff_choose_one_of_their_venues_and_see_only_their_files(
    client, staff_client, venue, other_venue, other_staff_user, django_capture_on_commit_callbacks
):
    page = staff_client.get(PAGE).content.decode()
    assert "All venues" not in page
    assert other_venue.name not in page
    assert ask(staff_client, venue="").status_code == 200  # a venue is required
    assert ask(staff_client, venue=str(other_venue.pk)).status_code == 200
    assert not GeneratedReport.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(staff_client, venue=str(venue.pk)).status_code == 302
    mine = GeneratedReport.objects.get()
    client.force_login(other_staff_user)
    assert client.get(reverse("reports:report_download", args=[mine.pk])).status_code == 404
    assert venue.name not in client.get(PAGE).content.decode()


def test_the_fiscal_year_form_does_not_offer_the_national_units(admin_client_):
    body = admin_client_.get(reverse("reports:report_list")).content.decode()
    assert 'value="national"' not in body
    assert PAGE in body  # a link to the national page instead
    response = admin_client_.post(
        reverse("reports:report_list"),
        {"kind": "national", "year": "2027", "scope": "program", "format": "csv"},
    )
    assert response.status_code == 200
    assert not GeneratedReport.objects.exists()


def test_the_workbook_downloaded_opens(admin_client_, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(admin_client_)
    book = openpyxl.load_workbook(
        io.BytesIO(download(admin_client_, GeneratedReport.objects.get()))
    )
    assert "Counting rules" in book.sheetnames
