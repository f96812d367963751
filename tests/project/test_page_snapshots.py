"""The busiest pages, as staff and the administrator see them in Japanese and English, compared
with stored HTML (tests/project/snapshots/).

The pages are rendered from the demo program (``seed_demo``) on a fixed day with the clock
stopped, so that the same code gives the same bytes on SQLite and PostgreSQL in any test order.
What is compared is the HTML with white space normalised and the per-request tokens (CSRF, CSP
nonce) blanked. A refactoring that moves markup around must leave these files alone; a change
that alters a page on purpose rewrites them with

    SNAPSHOT_UPDATE=1 .venv/bin/pytest tests/project/test_page_snapshots.py

and the diff of tests/project/snapshots/ goes into the same commit, for review.
"""

import difflib
import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from classes.models import Registration, Session, Venue
from devtools.demo.builder import DEMO_PASSWORD
from loans.models import Device, Loan

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).parent / "snapshots"
JST = ZoneInfo("Asia/Tokyo")
# A Tuesday morning in term time: today's sessions have registrations, some loans are due.
NOW = datetime(2026, 11, 10, 9, 30, tzinfo=JST)
LANGUAGES = ("ja", "en")


def normalise(html: str) -> str:
    """One tag or text run per line, white space folded, per-request tokens blanked."""
    html = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]*"', r'\1CSRF"', html)
    html = re.sub(r'(name="csrf-token" content=")[^"]*"', r'\1CSRF"', html)
    html = re.sub(r'(name="once_token" value=")[^"]*"', r'\1ONCE"', html)
    html = re.sub(r'nonce="[^"]*"', 'nonce="NONCE"', html)
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r"\s*(<[^>]*>)\s*", r"\n\1\n", html)
    return "\n".join(line for line in html.split("\n") if line.strip()) + "\n"


def _reset_sequences() -> None:
    """Primary keys from the rows the migrations left plus one, whatever ran before (PostgreSQL
    sequences are not rolled back with a test's transaction)."""
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture
def demo_world(db):
    """The demo program on NOW's date; returns the objects the page URLs need."""
    _reset_sequences()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    staff_venues = list(
        Venue.objects.filter(staff_profiles__user__username="staff").values_list("pk", flat=True)
    )
    today = NOW.date()
    # The staff venue's fullest class on or after NOW's day: rows of registrations to render.
    session = (
        Session.objects.filter(
            venue_id__in=staff_venues, kind=Session.Kind.CLASS, starts_at__date__gte=today
        )
        .annotate(n=Count("registrations"))
        .order_by("-n", "starts_at", "pk")
        .first()
    )
    registration = (
        Registration.objects.filter(
            session__venue_id__in=staff_venues,
            status=Registration.Status.REGISTERED,
            session__starts_at__gte=NOW,
        )
        .order_by("session__starts_at", "pk")
        .first()
    )
    resident = registration.resident
    loan = (
        Loan.objects.filter(status=Loan.Status.ACTIVE, venue_id__in=staff_venues)
        .order_by("due_date", "pk")
        .first()
    ) or Loan.objects.filter(status=Loan.Status.ACTIVE).order_by("due_date", "pk").first()
    device = Device.objects.order_by("asset_tag").first()
    return {
        "session": session,
        "registration": registration,
        "resident": resident,
        "loan": loan,
        "device": device,
        "kana": resident.name_kana.split()[0][:3],
    }


def _pages(world) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, URL, personas that see the page)."""
    both = ("staff", "admin")
    return [
        ("dashboard", reverse("dashboard"), both),
        ("phone_search", reverse("classes:phone") + f"?q={world['kana']}", both),
        ("phone_resident", reverse("classes:phone") + f"?resident={world['resident'].pk}", both),
        ("readback", reverse("classes:readback", args=[world["registration"].pk]), both),
        ("session_detail", reverse("classes:session_detail", args=[world["session"].pk]), both),
        ("session_list", reverse("classes:session_list"), both),
        ("device_list", reverse("loans:device_list"), both),
        ("lend", reverse("loans:checkout") + f"?resident={world['resident'].pk}", both),
        ("loan_detail", reverse("loans:loan_detail", args=[world["loan"].pk]), both),
        ("matching", reverse("volunteers:matching"), ("admin",)),
        ("reports", reverse("reports:report_list"), both),
        ("national_units", reverse("reports:national_export"), both),
    ]


def _client(username: str, language: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_busiest_pages_render_as_stored(demo_world):
    update = os.environ.get("SNAPSHOT_UPDATE") == "1"
    SNAPSHOTS.mkdir(exist_ok=True)
    differences: list[str] = []
    compared = 0
    with time_machine.travel(NOW, tick=False):
        clients = {(p, lang): _client(p, lang) for p in ("staff", "admin") for lang in LANGUAGES}
        for name, url, personas in _pages(demo_world):
            for persona in personas:
                for language in LANGUAGES:
                    response = clients[(persona, language)].get(url)
                    assert response.status_code == 200, f"{name} as {persona}: {url}"
                    got = normalise(response.content.decode())
                    path = SNAPSHOTS / f"{name}.{persona}.{language}.html"
                    if update:
                        path.write_text(got, encoding="utf-8")
                        continue
                    if not path.exists():
                        differences.append(f"{path.name}: no stored page (SNAPSHOT_UPDATE=1)")
                        continue
                    want = path.read_text(encoding="utf-8")
                    compared += 1
                    if got != want:
                        diff = difflib.unified_diff(
                            want.splitlines(), got.splitlines(), str(path), url, lineterm="", n=2
                        )
                        differences.append("\n".join(list(diff)[:40]))
    assert not differences, "pages differ from the stored HTML:\n\n" + "\n\n".join(differences)
    if not update:
        assert compared == len(list(SNAPSHOTS.glob("*.html"))), "a stored page was not rendered"
