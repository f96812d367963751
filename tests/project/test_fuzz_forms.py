"""Every form and upload, fed random and hostile input: a clear error or success, never a 500.

How the targets are found (nothing to update when a view is added): every URL name of the project
is a test case. Once per module, a small world (one of most things) is built and every page is
crawled as an administrator (and the supporter pages as a supporter); each <form> found is
recorded with its action and its <input>/<select>/<textarea> names. Each URL name is then fuzzed
with Hypothesis: the fields of the forms that post to it, filled with a mix of plausible values
(the select's own options, dates near today) and hostile ones (100 000 characters, control
characters, NUL bytes, right-to-left marks, emoji, SQL, huge and negative numbers, impossible
dates, several values for one field, missing fields; files in Shift_JIS, UTF-16, binary, empty,
one huge line, missing columns), as one of the personas.

After each request: the status is below 500; no session has more registered residents than seats;
no device has two active loans and each active loan's device is on loan; a rejected request (form
errors, an error message, 4xx) changed no row.

FUZZ_EXAMPLES sets the random examples per URL name with a form (default 12; 3 for the rest); CI=true makes the run derandomized.
Run on PostgreSQL too: NUL bytes and over-long values fail there where SQLite lets them through.
"""

import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.test import Client
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classes.models import CallListEntry, Consultation, Registration, Series, Session
from kernel.models import Role
from loans.models import Device, Loan, LoanLottery
from reports.models import GeneratedReport
from residents.models import ResidentImport
from tests import factories as f
from volunteers.models import MatchProposal, MatchRun

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
IN_CI = os.environ.get("CI", "").lower() == "true"
# Not ours to fuzz (the Django admin, allauth's flows other than log-in and password change).
SKIPPED_PREFIXES = ("admin:",)
ALLAUTH_FUZZED = {"account_login", "account_change_password", "account_reset_password"}
APPS_COUNTED = ("residents", "classes", "loans", "volunteers", "reports")


def _url_names() -> list[str]:
    names: list[str] = []

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                module = getattr(entry.callback, "__module__", "")
                if module.startswith("allauth") and name not in ALLAUTH_FUZZED:
                    continue  # allauth's own flows (sign-up is off, 2FA is its code)
                names.append(name)

    walk(get_resolver(), "")
    return [n for n in dict.fromkeys(names) if not n.startswith(SKIPPED_PREFIXES)]


URL_NAMES = _url_names()


# ---------------------------------------------------------------------------------------------
# Finding the forms


@dataclass
class FieldSpec:
    name: str
    kind: str  # the input type, "select", "select-multiple" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class FormSpec:
    method: str
    action: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[FormSpec] = []
        self.links: list[str] = []
        self._form: FormSpec | None = None
        self._select: FieldSpec | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = FormSpec(
                method=(a.get("method") or "get").lower(),
                action=a.get("action") or self.page_path,
            )
            self.forms.append(self._form)
        elif self._form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset") and "value" not in a:
                return
            spec = self._form.fields.setdefault(
                a["name"], FieldSpec(a["name"], kind, a.get("value", ""))
            )
            if kind in ("radio", "checkbox", "submit"):
                spec.options.append(a.get("value", "on"))
        elif tag == "select":
            kind = "select-multiple" if "multiple" in a else "select"
            self._select = self._form.fields.setdefault(a["name"], FieldSpec(a["name"], kind))
        elif tag == "textarea":
            self._form.fields.setdefault(a["name"], FieldSpec(a["name"], "textarea"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


class _OptionParser(_FormParser):
    """Adds <option value> to the select being read."""

    def handle_starttag(self, tag, attrs):
        if tag == "option" and self._select is not None:
            a = {k: (v or "") for k, v in attrs}
            self._select.options.append(a.get("value", ""))
            return
        super().handle_starttag(tag, attrs)


def _name_of(path: str) -> tuple[str, dict] | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    if not match.url_name:
        return None
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return name, match.kwargs


@dataclass
class Target:
    path: str
    forms: list[FormSpec] = field(default_factory=list)


def _crawl(clients: dict[str, Client], seeds: dict[str, list[str]]) -> dict[str, Target]:
    """GET pages from the seeds, following links, as the persona of each seed; return one
    concrete URL per URL name and the forms that submit to it."""
    targets: dict[str, Target] = {}
    for persona, paths in seeds.items():
        seen: set[str] = set()
        queue = list(paths)
        while queue and len(seen) < 400:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            named = _name_of(path)
            if named is None or named[0].startswith(SKIPPED_PREFIXES):
                continue
            targets.setdefault(named[0], Target(path))
            response = clients[persona].get(path)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _OptionParser(path)
            parser.feed(response.content.decode("utf-8", "replace"))
            for form in parser.forms:
                form_named = _name_of(form.action)
                if form_named is None:
                    continue
                target = targets.setdefault(form_named[0], Target(urlsplit(form.action).path))
                if all(
                    (old.method, set(old.fields)) != (form.method, set(form.fields))
                    for old in target.forms
                ):
                    target.forms.append(form)
            for link in parser.links:
                link_path = urlsplit(link).path
                if link_path.startswith("/") and link_path not in seen:
                    queue.append(link if "?" in link and len(seen) < 200 else link_path)
    return targets


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class World:
    clients: dict[str, Client]
    targets: dict[str, Target]
    users: dict[str, object]


def _build_world() -> tuple[dict, list[str]]:
    today = timezone.localdate()
    venue = f.VenueFactory(name="いわき市中央公民館")
    other_venue = f.VenueFactory(name="小名浜公民館")
    users = {
        "admin": f.make_user(Role.ADMINISTRATOR, username="fuzz-admin"),
        "staff": f.make_user(Role.STAFF, venues=[venue], username="fuzz-staff"),
        "other_staff": f.make_user(Role.STAFF, venues=[other_venue], username="fuzz-staff2"),
        "coordinator": f.make_user(Role.COORDINATOR, username="fuzz-coord"),
        "supporter": f.make_user(Role.SUPPORTER, username="fuzz-supp"),
    }
    supporter = f.SupporterFactory(user=users["supporter"], name="学生 一郎")
    f.AvailabilityFactory(supporter=supporter)
    residents = [
        f.ResidentFactory(name="山田 花子", email="hanako@example.jp"),
        f.ResidentFactory(name="佐藤 太郎"),
        f.ResidentFactory(name="髙橋 﨑子", phone="090-1234-5678"),
    ]
    soon = timezone.localtime() + timedelta(days=1)
    session = f.SessionFactory(
        venue=venue,
        seats=2,
        starts_at=soon.replace(hour=10, minute=0, second=0, microsecond=0),
        ends_at=soon.replace(hour=11, minute=30, second=0, microsecond=0),
    )
    past = f.SessionFactory(
        venue=venue,
        starts_at=timezone.localtime() - timedelta(days=2),
        ends_at=timezone.localtime() - timedelta(days=2) + timedelta(hours=1),
    )
    consult = f.SessionFactory(venue=venue, kind=Session.Kind.CONSULTATION, seats=None)
    now = timezone.localtime()
    today_class = f.SessionFactory(
        venue=venue,
        seats=3,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    salon = f.SessionFactory(
        venue=venue,
        kind=Session.Kind.SALON,
        seats=None,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    f.RegistrationFactory(session=today_class, resident=residents[2])
    registration = f.RegistrationFactory(session=session, resident=residents[0])
    f.RegistrationFactory(session=session, resident=residents[1])
    f.RegistrationFactory(
        session=session, resident=residents[2], status=Registration.Status.WAITLISTED
    )
    f.RegistrationFactory(session=past, resident=residents[1])
    CallListEntry.objects.create(registration=registration, reason=CallListEntry.Reason.REMINDER)
    Consultation.objects.create(
        session=consult, resident=residents[2], slot_start=consult.starts_at
    )
    f.AssignmentFactory(session=session, supporter=supporter)
    f.AssignmentFactory(session=past, supporter=supporter)
    # Pages reached only through a list of such objects (and the forms on them).
    f.ResidentFactory(name="山田 花子", possible_duplicate_of=residents[0])
    ResidentImport.objects.create(file_name="list.csv")
    series = Series.objects.create(
        venue=venue,
        title="スマホ教室",
        start_time=session.starts_at.time(),
        end_time=session.ends_at.time(),
        weekdays=str(session.starts_at.weekday()),
        first_date=today,
        last_date=today + timedelta(days=28),
    )
    session.series = series
    session.save(update_fields=["series"])
    match_run = MatchRun.objects.create(date_from=today, date_to=today + timedelta(days=7))
    # A report that could not be queued: the reports page offers its Retry form.
    GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.MONTHLY,
        period_start=today.replace(day=1),
        period_end=today.replace(day=1),
        format=GeneratedReport.Format.CSV,
        status=GeneratedReport.Status.FAILED,
        error="could not be queued",
    )
    MatchProposal.objects.create(run=match_run, session=session, supporter=supporter)
    policy = f.LoanPolicyFactory()
    LoanLottery.objects.create(policy=policy, seed=1, places=1)
    f.DeviceFactory()
    f.LoanFactory(resident=residents[0], policy=policy)
    f.LoanFactory(
        resident=residents[1],
        policy=policy,
        start_date=today - timedelta(days=200),
        due_date=today - timedelta(days=3),
    )
    seeds = [reverse(name) for name in URL_NAMES if _no_kwargs(name)]
    seeds += [
        _path("classes:session_detail", args=[session.pk]),
        _path("classes:session_detail", args=[consult.pk]),
        _path("classes:session_detail", args=[past.pk]),
        _path("classes:readback", args=[registration.pk]),
        _path("residents:detail", args=[residents[0].pk]),
        _path("volunteers:supporter_detail", args=[supporter.pk]),
        _path("classes:session_detail", args=[today_class.pk]),
        _path("classes:session_detail", args=[salon.pk]),
        _path("classes:call_list") + f"?venue={venue.pk}",
        # Forms that appear only after a search.
        _path("classes:phone") + "?q=山田",
        _path("classes:session_detail", args=[session.pk]) + "?q=佐藤",
        _path("classes:session_detail", args=[today_class.pk]) + "?q=山田",
        _path("classes:consult_slots", args=[consult.pk]) + "?q=山田",
        _path("loans:checkout") + "?q=山田",
        _path("loans:applications") + "?q=山田",
        _path("loans:reserve") + "?q=山田",
        _path("classes:series_detail", args=[series.pk]) + "?q=山田",
    ]
    seeds += [_path("loans:checkout") + f"?q=山田&device={d.pk}" for d in Device.objects.all()]
    seeds += [
        _path("loans:checkout") + f"?device={d.pk}&resident={residents[2].pk}"
        for d in Device.objects.all()
    ]
    seeds += [_path("classes:phone") + f"?resident={r.pk}" for r in residents]
    seeds = [path for path in seeds if path and "None" not in path]
    return users, seeds


def _path(name: str, args=()) -> str:
    """The URL, or "None" when the name is gone (views change while this test stays)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return "None"


def _no_kwargs(name: str) -> bool:
    try:
        reverse(name)
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once in a transaction that is rolled back at the end of the module; each test runs
    in a savepoint inside it (like Django's TestCase.setUpTestData)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            users, seeds = _build_world()
            clients = {"anonymous": Client()}
            for persona, user in users.items():
                clients[persona] = Client()
                clients[persona].force_login(user)
            targets = _crawl(
                clients,
                {
                    "admin": seeds,
                    "supporter": [reverse("volunteers:my_assignments")],
                    "anonymous": [reverse("account_login")],
                },
            )
            yield World(clients=clients, targets=targets, users=users)
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
    # The supporter feed's earlier address: no page links to it any more, calendars still call it.
    "supporter_feed_earlier_address",
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
