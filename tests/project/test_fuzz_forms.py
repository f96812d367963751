"""Every form and upload, fed random and hostile input: a clear error or success, never a 500.

How the targets are found (nothing to update when a view is added): every URL name of the project
is a test case. Once per module, a small world (one of most things) is built and every page is
crawled as an administrator (and the supporter pages as a supporter); each <form> found is
recorded with its action and its <input>/<select>/<textarea> names. Each URL name is then fuzzed
with Hypothesis: the fields of the forms that post to it, filled with a mix of plausible values
(the select's own options, dates near today) and hostile ones (100 000 characters, control
characters, NUL bytes, right-to-left marks, emoji, SQL, huge and negative numbers, impossible
dates, several values for one field, missing fields; files in Shift_JIS, UTF-16, binary, empty,
one huge line, missing columns), as one of the personas. Before the random part, every field gets
a fixed sweep of the worst values, every date field (and every date query parameter: ``?date=``,
``?day=``, ``?from=``, ``?month=``...) the date extremes (0001-01-01, 9999-12-31, 1899-12-31,
tomorrow, months and years far away). Every URL name, the anonymous calendar feeds included, also
gets control bytes (%00, %01, %7F...) in its path and query, which must answer 400, and overlong
UTF-8 sequences and a very long name, which must answer below 500. The world and the crawl live in
tests/project/fuzz_world.py.

After each request: the status is below 500; no session has more registered residents than seats;
no device has two active loans and each active loan's device is on loan; a rejected request (form
errors, an error message, 4xx) changed no row.

FUZZ_EXAMPLES sets the random examples per URL name with a form (default 12; 3 for the rest); CI=true makes the run derandomized.
Run on PostgreSQL too: NUL bytes and over-long values fail there where SQLite lets them through.
"""

import os
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classes.models import Registration, Session
from loans.models import Device, Loan
from tests.project.fuzz_world import (
    URL_NAMES,
    FieldSpec,
    FormSpec,
    World,
    concrete_path,
    crawled_world,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
IN_CI = os.environ.get("CI", "").lower() == "true"
APPS_COUNTED = ("residents", "classes", "loans", "volunteers", "reports")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once in a transaction that is rolled back at the end of the module; each test runs
    in a savepoint inside it (like Django's TestCase.setUpTestData)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield crawled_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# ---------------------------------------------------------------------------------------------
# Values

HUGE = 100_000
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "山田\x00花子",
    "\x01\x02\x07\x08\x0b\x0c\x1b\x7f",
    "\r\n\r\n",
    "\t",
    "x" * HUGE,
    "あ" * HUGE,
    "1" * HUGE,
    "\u202e\u200f山田\u202c",  # right-to-left override and mark
    "\ufeff",
    "👩‍👩‍👧‍👦🙇‍♀️𠮷野家",
    "ｱｲｳｴｵ ＡＢＣ １２３",
    "'; DROP TABLE residents_resident; --",
    "' OR '1'='1",
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "%00%0a%s%n",
    "../../etc/passwd",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "-9223372036854775809",
    "9223372036854775808",
    "2147483648",
    "3.14",
    "１２",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026/02/29",
    "令和8年2月30日",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-03-01T25:61",
    "24:00",
    "99:99",
    "true",
    "on",
    "None",
    "null",
    "[]",
    "a@b",
    "x" * 255 + "@example.jp",
]

# Every field of every form gets each of these once per run (hidden fields keep their value).
SWEEP = ["\x00", "x" * HUGE, "2026-02-30", "0000-00-00", "-1", "99999999999999999999", "\u202e", ""]

# Date fields (and fields named like the date parameters below) also get each of these, one field
# at a time and all at once, the other fields holding plausible values: Python's first and last
# dates (a page adding a day to them overflowed), the day before birth dates begin, tomorrow
# (a birth date in the future), and a month and a year far away.
DATE_PARAMS = ("date", "day", "from", "to", "start", "date_from", "date_to", "month", "year", "on")


def _date_extremes() -> list[str]:
    tomorrow = timezone.localdate() + timedelta(days=1)
    return [
        "0001-01-01",
        "9999-12-31",
        "1899-12-31",
        tomorrow.isoformat(),
        f"{tomorrow.year}/{tomorrow.month}/{tomorrow.day}",
    ]


# Month and year parameters (``?month=YYYY-MM``, ``?year=``) far away.
MONTH_EXTREMES = ["0001-01", "9999-12", "0000-00", "9999", "0", "-1"]

# Bytes put into every URL's path: control bytes (refused with 400) and what is not a control
# byte but must not fail either: overlong UTF-8 encodings of NUL and "/" and an over-long name.
CONTROL_BYTES = ["%00", "%01", "%0A", "%1F", "%7F"]
ODD_BYTES = ["%C0%80", "%E0%80%80", "%C0%AF", "x" * 3000]


def _date_values():
    today = date.today()
    return st.one_of(
        st.integers(-60, 400).map(lambda d: (today + timedelta(days=d)).isoformat()),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    )


def _datetime_values():
    now = datetime.now().replace(second=0, microsecond=0)
    return st.integers(-60 * 24, 60 * 24 * 60).map(
        lambda m: (now + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M")
    )


def _value_strategy(spec: FieldSpec):
    hostile = st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=40),
        st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),
    )
    if spec.kind in ("select", "select-multiple", "radio") and spec.options:
        plausible = st.sampled_from(spec.options)
    elif spec.kind in ("checkbox", "submit") and spec.options:
        plausible = st.sampled_from(spec.options)
    elif spec.kind == "hidden":
        plausible = st.just(spec.value)
    elif spec.kind == "number":
        plausible = st.one_of(st.integers(-5, 30).map(str), st.integers(-(10**12), 10**12).map(str))
    elif spec.kind == "date":
        plausible = _date_values()
    elif spec.kind == "datetime-local":
        plausible = _datetime_values()
    elif spec.kind == "time":
        plausible = st.times().map(lambda t: t.strftime("%H:%M"))
    elif spec.kind == "email":
        plausible = st.sampled_from(["hanako@example.jp", "", "a@b.c"])
    elif spec.kind == "tel":
        plausible = st.sampled_from(["0246-22-1111", "090-1234-5678", "09012345678", ""])
    else:
        plausible = st.one_of(
            st.just(spec.value),
            st.sampled_from(["山田 花子", "やまだ はなこ", "テスト", "平", "1", ""]),
        )
    single = st.one_of(plausible, plausible, hostile)
    if spec.kind == "select-multiple":
        return st.lists(single, max_size=4)
    return st.one_of(single, single, single, st.lists(single, min_size=2, max_size=3))


def _is_date_field(spec: FieldSpec) -> bool:
    return spec.kind == "date" or "birth" in spec.name or spec.name in DATE_PARAMS


def _plausible(spec: FieldSpec) -> str:
    """One valid-looking value for ``spec`` (so that a date extreme reaches the code after the
    form's validation): the hidden value, the first option, or a typical entry."""
    options = [o for o in spec.options if o]
    if spec.kind == "hidden" or (spec.value and spec.kind not in ("checkbox", "radio")):
        return spec.value
    if options:
        return options[0]
    return {
        "number": "1",
        "time": "10:00",
        "date": date.today().isoformat(),
        "datetime-local": datetime.now().strftime("%Y-%m-%dT%H:%M"),
        "email": "hanako@example.jp",
        "tel": "0246-22-1111",
    }.get(spec.kind, "テスト")


def _date_sweep(form: FormSpec) -> list[dict]:
    """The form's data with the date extremes in its date fields (see DATE_PARAMS)."""
    base = {s.name: _plausible(s) for s in form.fields.values() if s.kind != "file"}
    dated = [s.name for s in form.fields.values() if _is_date_field(s)]
    sweep = []
    for value in _date_extremes() + MONTH_EXTREMES[:2]:
        sweep += [{**base, name: value} for name in dated]
        if len(dated) > 1:
            sweep.append({**base, **dict.fromkeys(dated, value)})
    return sweep


def _query_date_sweep() -> list[dict]:
    """Query strings with every date parameter name at an extreme (for views that read
    ``request.GET`` themselves)."""
    return [dict.fromkeys(DATE_PARAMS, value) for value in _date_extremes() + MONTH_EXTREMES]


def _paths_with_bytes(path: str) -> list[tuple[str, bool]]:
    """``(path, refused)``: ``path`` with each of CONTROL_BYTES (refused: True) and ODD_BYTES
    put into its last segment, before an extension (``<token>%00.ics``), and with control bytes in
    the query string."""
    base = urlsplit(path).path
    head, _, last = base.rstrip("/").rpartition("/")
    trailing = "/" if base.endswith("/") and last else ""
    stem, dot, ext = last.rpartition(".") if "." in last else (last, "", "")
    variants = [
        (f"{head}/{stem}{piece}{dot}{ext}{trailing}", piece in CONTROL_BYTES)
        for piece in CONTROL_BYTES + ODD_BYTES
    ]
    variants += [(f"{base}?q=a{piece}b", True) for piece in CONTROL_BYTES]
    variants += [(f"{base}?a{piece}=1", True) for piece in CONTROL_BYTES[:2]]
    return variants


def _csv(rows: list[list[str]]) -> str:
    return "\r\n".join(",".join(row) for row in rows) + "\r\n"


HEADER = ["氏名", "ふりがな", "生年月日", "電話番号", "地区", "端末", "備考"]
GOOD_ROW = ["山田 花子", "やまだ はなこ", "1948-04-01", "0246-22-1111", "平", "なし", ""]
FILES = [
    b"",
    b"\n\n\n",
    _csv([HEADER, GOOD_ROW]).encode("cp932"),  # Shift_JIS from Excel
    _csv([HEADER, GOOD_ROW]).encode("utf-16"),
    _csv([HEADER, GOOD_ROW]).encode("utf-8-sig"),
    _csv(
        [HEADER, ["髙橋 﨑子", "たかはし さきこ", "1950-01-01", "0246-22-1112", "", "", ""]]
    ).encode("utf-8"),
    _csv([["氏名", "ふりがな"], ["山田", "やまだ"]]).encode("utf-8"),  # missing columns
    _csv([HEADER, ["山田", "やまだ"]]).encode("utf-8"),  # short row
    _csv([HEADER, GOOD_ROW + ["extra", "cells"]]).encode("utf-8"),
    _csv([HEADER, ["x" * 200_000, "", "0000-00-00", "9" * 50, "", "", ""]]).encode("utf-8"),
    _csv([HEADER, ["山田\x00", "やまだ", "2026-02-30", "abc", "", "", "\u202e"]]).encode("utf-8"),
    _csv([HEADER, ["=CMD()", "@SUM(A1)", "9999-12-31", "+81 246", "", "", ""]]).encode("utf-8"),
    _csv([HEADER] + [GOOD_ROW] * 300).encode("utf-8"),
    b"a" * 1_000_000,  # one huge line
    b'"unterminated,quote\n' + b"x" * 1000,
    b"PK\x03\x04" + bytes(range(256)) * 4,  # an Excel workbook
    bytes(range(256)) * 16,
    b"\xff\xfe\x00\x00garbage",
    b"\x82\xa0\x82\xa2\x82" * 100,  # broken Shift_JIS
    b"x" * (5 * 1024 * 1024 + 10),  # over the 5 MB limit
]
FILE_NAMES = ["residents.csv", "名簿.csv", "../../etc/passwd", "a\x00.csv", "x" * 300 + ".csv", ""]


def _file_strategy():
    return st.builds(
        lambda content, name: SimpleUploadedFile(name or "upload", content, "text/csv"),
        st.one_of(st.sampled_from(FILES), st.binary(max_size=2000)),
        st.sampled_from(FILE_NAMES),
    )


def _data_strategy(form: FormSpec):
    optional = {}
    for spec in form.fields.values():
        optional[spec.name] = _file_strategy() if spec.kind == "file" else _value_strategy(spec)
    extras = st.dictionaries(
        st.sampled_from(["id", "pk", "next", "status", "venue", "q", "\x00", "a" * 300]),
        st.sampled_from(HOSTILE_TEXT),
        max_size=2,
    )
    return st.tuples(st.fixed_dictionaries({}, optional=optional), extras).map(
        lambda pair: {**pair[1], **pair[0]}
    )


PERSONAS = [
    "admin",
    "admin",
    "admin",
    "staff",
    "other_staff",
    "coordinator",
    "supporter",
    "anonymous",
]


# ---------------------------------------------------------------------------------------------
# Invariants


def _row_counts() -> dict[str, int]:
    """Rows per table of the apps, in one query (it runs twice per request)."""
    tables = [
        model._meta.db_table
        for label in APPS_COUNTED
        for model in apps.get_app_config(label).get_models()
    ]
    selects = ", ".join(f"(SELECT count(*) FROM {connection.ops.quote_name(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {selects}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _assert_invariants():
    over = (
        Session.objects.filter(seats__isnull=False, status=Session.Status.SCHEDULED)
        .annotate(
            taken=Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            )
        )
        .filter(taken__gt=F("seats"))
    )
    assert not over.exists(), f"sessions over capacity: {list(over.values('pk', 'seats', 'taken'))}"
    doubled = (
        Loan.objects.filter(status=Loan.Status.ACTIVE)
        .values("device")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not doubled.exists(), f"devices with two active loans: {list(doubled)}"
    stray = Loan.objects.filter(status=Loan.Status.ACTIVE).exclude(
        device__status=Device.Status.ON_LOAN
    )
    assert not stray.exists(), "an active loan's device is not marked on loan"


def _rejected(response) -> bool:
    if response.status_code >= 400:
        return True
    if response.status_code == 200 and b'class="errorlist' in response.content:
        return True
    # Only the messages this request added (earlier ones wait in the session for a page view).
    added = getattr(get_messages(response.wsgi_request), "_queued_messages", [])
    return any(m.level >= message_levels.ERROR for m in added)


def _send(client: Client, method: str, path: str, data: dict):
    if method == "get":
        flat = {k: v for k, v in data.items() if not isinstance(v, SimpleUploadedFile)}
        return client.get(path, flat)
    return client.post(path, data)


# ---------------------------------------------------------------------------------------------
# The test


# URL names the crawl does not reach from the world above.
NOT_CRAWLED = {
    # Downloads without a form: a feed, a receipt after a return, a finished report's file.
    "classes:series_feed",
    "loans:return_receipt_pdf",
    "reports:report_download",
    "residents:import_report",
    # The supporter feed's earlier address: no page links to it any more, calendars still call it.
    "supporter_feed_earlier_address",
    # The seat offer page: only the offer mail links to it (tests/classes/test_seat_offer_link.py).
    "classes:offer_page",
    # Buttons shown only in a state the world does not have (a reserved device, a proposed
    # assignment).
    "loans:reservation_cancel",
    "volunteers:assignment_respond",
}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", [n for n in URL_NAMES if n not in NOT_CRAWLED])
def test_no_input_makes_a_form_fail_with_a_server_error(world, url_name):
    target = world.targets.get(url_name)
    # test_the_crawl_reaches_the_forms keeps NOT_CRAWLED exact, so every other URL is reached.
    assert target is not None, f"{url_name} was not crawled, so it would not be fuzzed"
    forms = target.forms or [FormSpec(method="post", action=target.path)]
    has_post_form = any(form.method == "post" for form in forms)
    if not has_post_form:
        forms = forms + [FormSpec(method="post", action=target.path)]
    _assert_invariants()

    def check(form: FormSpec, data: dict, persona: str):
        before = _row_counts()
        response = _send(world.clients[persona], form.method, target.path, data)
        assert response.status_code < 500, (url_name, persona, response.status_code)
        _assert_invariants()
        if form.method == "post" and _rejected(response):
            assert _row_counts() == before, (
                f"{url_name} rejected the input ({response.status_code}) but changed rows"
            )

    # First a fixed sweep, so the worst values reach every field on every run...
    for form in forms:
        for value in SWEEP:
            data = {
                spec.name: spec.value if spec.kind == "hidden" else value
                for spec in form.fields.values()
                if spec.kind != "file"
            }
            check(form, data, "admin")
        for spec in form.fields.values():
            if spec.kind == "file":
                for content in FILES:
                    check(form, {spec.name: SimpleUploadedFile("list.csv", content)}, "admin")

    # ... then dates years away in the date fields and the date parameters...
    for form in forms:
        for data in _date_sweep(form):
            check(form, data, "admin")
    query_form = FormSpec(method="get", action=target.path)
    for data in _query_date_sweep():
        for persona in ("admin", "staff", "supporter"):
            check(query_form, data, persona)

    # ... then random mixes of plausible and hostile values, as any persona.
    @settings(
        max_examples=EXAMPLES if has_post_form else min(EXAMPLES, 3),
        deadline=None,
        derandomize=IN_CI,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        form_and_data=st.sampled_from(forms).flatmap(
            lambda form: st.tuples(st.just(form), _data_strategy(form))
        ),
        persona=st.sampled_from(PERSONAS),
    )
    def fuzz(form_and_data, persona):
        form, data = form_and_data
        check(form, data, persona)

    fuzz()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", URL_NAMES)
def test_control_bytes_in_any_path_are_refused_and_odd_bytes_never_fail(world, url_name):
    """Every URL name, the feeds anonymous calendar apps call included: a control byte in the
    path or the query is a 400; an overlong UTF-8 sequence or a very long name is below 500."""
    path = concrete_path(world, url_name)
    for variant, refused in _paths_with_bytes(path):
        for persona in ("anonymous", "admin", "supporter"):
            response = world.clients[persona].get(variant)
            assert response.status_code < 500, (url_name, persona, variant[:80])
            if refused:
                assert response.status_code == 400, (url_name, persona, variant[:80])
        response = world.clients["admin"].post(variant, {"note": "x"})
        assert response.status_code < 500, (url_name, "admin POST", variant[:80])
        _assert_invariants()


@pytest.mark.django_db
def test_the_crawl_reaches_the_forms(world):
    """Guards the fuzz test above: it is only as good as the forms it found."""
    with_forms = [name for name, t in world.targets.items() if t.forms]
    assert len(with_forms) >= 25, sorted(with_forms)
    missing = {n for n in URL_NAMES if n not in world.targets}
    # A URL the crawl does not reach is not fuzzed: a new one must be reached (give the world
    # the object whose page links to it) or be added here with the reason.
    assert missing <= NOT_CRAWLED, f"not reached, so not fuzzed: {sorted(missing - NOT_CRAWLED)}"
    # ... and a URL the crawl now reaches comes off the list, so that it is fuzzed again.
    assert NOT_CRAWLED <= missing, f"reached now, remove from NOT_CRAWLED: {NOT_CRAWLED - missing}"
    upload = world.targets["residents:import"].forms
    assert any(spec.kind == "file" for form in upload for spec in form.fields.values())
    assert re.search(r"name", " ".join(world.targets["residents:create"].forms[0].fields))
