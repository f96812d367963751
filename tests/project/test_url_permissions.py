"""Every URL of the project × every role, against the table in ``tests/project/url_permissions.py``.

A URL name the table does not know fails ``test_every_url_name_has_an_entry`` with its name. To
see what the pages answer today (e.g. to write the line for a new page), run
``URL_PERMISSIONS_DUMP=/tmp/urls.txt pytest tests/project/test_url_permissions.py -k answers``:
the file gets one ready-made line per URL (check it before copying: it records reality, which
may be wrong).
"""

import os
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from classes.models import (
    CallListEntry,
    Consultation,
    Registration,
    SeatOffer,
    Series,
    Session,
    VenueClosure,
)
from classes.services_offers import seat_offer_link_token
from kernel.models import Role
from loans.models import Device, LoanApplication, LoanLottery
from reports.models import GeneratedReport, Kpi
from residents.models import ResidentImport, SkillItem
from residents.services_skills import skill_assessment_record, skill_items_ensure
from tests.factories import (
    AssignmentFactory,
    DeviceFactory,
    LoanFactory,
    LoanPolicyFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    make_user,
)
from tests.project import url_permissions as table
from volunteers.models import DistrictTravel, MatchProposal, MatchRun

pytestmark = pytest.mark.django_db


def walk_url_names(resolver=None, namespace: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every named URL pattern: ``{"namespace:name": [argument names]}`` (recursive)."""
    resolver = resolver or get_resolver()
    found: dict[str, list[str]] = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + ((pattern.namespace,) if pattern.namespace else ())
            found.update(walk_url_names(pattern, inner))
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = ":".join(namespace + (pattern.name,))
            found[name] = list(pattern.pattern.regex.groupindex)
    return found


@pytest.fixture
def world(venue, other_venue, supporter_user, admin_user, settings, tmp_path):
    """One of each object at "this venue" (``venue``) and its arguments per table key."""
    settings.MEDIA_ROOT = tmp_path
    now = timezone.localtime()
    resident = ResidentFactory(name="山田 太郎")
    duplicate = ResidentFactory(name="山田 太郎", possible_duplicate_of=resident)
    run = ResidentImport.objects.create(file_name="list.csv")
    skill_items_ensure()
    skill_item = SkillItem.objects.order_by("position").first()
    # Asked after a course, on paper: the "skills" POST below corrects it (before, by phone).
    assessment = skill_assessment_record(
        resident=resident,
        point="after",
        asked_on=now.date(),
        channel="paper",
        answers={skill_item.pk: "cannot"},
    )
    session = SessionFactory(venue=venue)
    SessionFactory(venue=other_venue)
    consult_session = SessionFactory(venue=venue, kind=Session.Kind.CONSULTATION, topic=None)
    salon_session = SessionFactory(venue=venue, kind=Session.Kind.SALON, topic=None)
    caravan_session = SessionFactory(
        venue=venue, kind=Session.Kind.CARAVAN, topic=None, place="集会所", seats=None
    )
    registration = RegistrationFactory(session=session, resident=resident)
    call_entry = CallListEntry.objects.create(
        registration=registration, reason=CallListEntry.Reason.REMINDER
    )
    # A seat held for a waitlisted resident (asked by phone) and one offered by mail.
    seat_offers = [
        SeatOffer.objects.create(
            session=session,
            registration=RegistrationFactory(
                session=session,
                status=Registration.Status.WAITLISTED,
                resident=ResidentFactory(email=email),
            ),
            channel=channel,
            expires_at=now + timedelta(days=1),
            link_key=f"key-for-the-url-walk-{channel}",
        )
        for channel, email in (("phone", ""), ("mail", "offer@example.jp"))
    ]
    consultation = Consultation.objects.create(
        session=consult_session, resident=resident, slot_start=consult_session.starts_at
    )
    series = Series.objects.create(
        venue=venue,
        title="スマホ教室",
        start_time=now.time().replace(hour=10, minute=0, second=0, microsecond=0),
        end_time=now.time().replace(hour=11, minute=30, second=0, microsecond=0),
        weekdays="1",
        first_date=now.date(),
        last_date=now.date() + timedelta(days=28),
    )
    session.series = series
    session.save(update_fields=["series"])
    supporter = supporter_user.supporter
    supporter.feed_token = "token-for-the-url-walk"
    supporter.save(update_fields=["feed_token"])
    assignment = AssignmentFactory(session=session, supporter=supporter)
    policy = LoanPolicyFactory()
    device = DeviceFactory(home_venue=venue)
    # Reserved at this venue, so that cancelling the reservation is tried by every role.
    Device.objects.filter(pk=device.pk).update(
        status=Device.Status.RESERVED,
        reserved_for=resident,
        reserved_until=now.date() + timedelta(days=7),
        reserved_venue=venue,
    )
    loan = LoanFactory(venue=venue, resident=resident, policy=policy)
    lottery = LoanLottery.objects.create(policy=policy, seed=1, places=1)
    # Objects made only in the admin site, so that its object pages are walked too.
    VenueClosure.objects.create(venue=venue, date=now.date(), reason="点検")
    LoanApplication.objects.create(resident=resident, policy=policy)
    Kpi.objects.create(code="participants", name="参加者数")
    DistrictTravel.objects.create(from_district="平", to_district="小名浜", minutes=20)
    report = GeneratedReport.objects.create(
        kind=GeneratedReport.Kind.MONTHLY,
        period_start=now.date().replace(day=1),
        period_end=now.date(),
        scope=GeneratedReport.ScopeKind.VENUE,
        venue=venue,
        format=GeneratedReport.Format.CSV,
        status=GeneratedReport.Status.DONE,
        requested_by=admin_user,
    )
    report.file.save("report.csv", ContentFile(b"venue,count\n"), save=True)
    match_run = MatchRun.objects.create(date_from=now.date(), date_to=now.date(), venue=venue)
    proposal = MatchProposal.objects.create(run=match_run, session=session, supporter=supporter)
    return {
        "resident": {"pk": resident.pk},
        "resident_csv": {"pk": resident.pk, "fmt": "csv"},
        "skill_assessment": {"pk": resident.pk, "assessment_pk": assessment.pk},
        "duplicate": {"pk": duplicate.pk},
        "resident_import": {"pk": run.pk},
        "session": {"pk": session.pk},
        "session_pk": {"session_pk": session.pk},
        "consult_session": {"pk": consult_session.pk},
        "salon_session": {"pk": salon_session.pk},
        "caravan_session": {"pk": caravan_session.pk},
        "registration": {"pk": registration.pk},
        "call_entry": {"pk": call_entry.pk},
        "seat_offer": {"pk": seat_offers[0].pk},
        "offer_token": {"token": seat_offer_link_token(seat_offers[1])},
        "consultation": {"pk": consultation.pk},
        "series": {"pk": series.pk},
        "supporter": {"pk": supporter.pk},
        "feed_token": {"token": supporter.feed_token},
        "assignment": {"pk": assignment.pk},
        "venue": {"pk": venue.pk},
        "venue_month": {"pk": venue.pk, "year": now.year, "month": now.month},
        "device": {"pk": device.pk},
        "loan": {"pk": loan.pk},
        "lottery": {"pk": lottery.pk},
        "report": {"pk": report.pk},
        "match_run": {"pk": match_run.pk},
        "match_proposal": {"pk": proposal.pk, "action": "pin"},
        "email_key": {"key": "not-a-real-key"},
        "reset_key": {"uidb36": "1", "key": "not-a-real-key"},
        # POST bodies (see table.POSTS): what staff of this venue would submit.
        "post": {
            "reservation_cancel": {"note": "辞退", "confirmed": "yes"},
            # The confirmation page's own POST (kernel.confirm): the step itself, not the question.
            "confirmed": {"confirmed": "yes"},
            "check_in": {"on": now.date().isoformat(), "channel": "phone", "satisfaction": "4"},
            "mark_lost": {"confirm": "on", "notes": "紛失"},
            "application": {"policy": policy.pk, "resident": duplicate.pk, "venue": venue.pk},
            "walk_in": {"resident": duplicate.pk},
            "register": {"session": session.pk, "resident": duplicate.pk},
            "call_done": {"status": CallListEntry.Status.REMINDED, "note": "了解"},
            "skills": {
                "point": "before",
                "asked_on": now.date().isoformat(),
                "channel": "phone",
                f"item_{skill_item.pk}": "can",
            },
            "offer_accept": {"answer": "accept"},
            "edit_resident": {
                "name": "山田 次郎",
                "name_kana": "やまだ じろう",
                "household": resident.household,
                "own_device": resident.own_device,
            },
        },
    }


@pytest.fixture
def persona_clients(admin_user, staff_user, other_staff_user, coordinator_user, supporter_user):
    users = {
        "administrator": admin_user,
        "staff": staff_user,
        "other_staff": other_staff_user,
        "coordinator": coordinator_user,
        "supporter": supporter_user,
        "anonymous": None,
    }
    clients = {}
    for persona, user in users.items():
        # A 500 is an answer like any other here: recorded and compared, not raised.
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        clients[persona] = client
    return clients


def _outcome(response) -> object:
    """The response as a table code."""
    if response.status_code in (301, 302):
        target = urlparse(response["Location"]).path
        if target == reverse("account_login"):
            return table.LOGIN
        if target == reverse("admin:login"):
            return table.ADMIN_LOGIN
        return table.REDIRECT
    return response.status_code


def _expected(name: str, persona: str) -> object:
    if name.startswith("admin:"):
        return table.admin_expected(name, persona)
    return table.URLS[name].for_persona(persona)


def _kwargs(name: str, arg_names: list[str], world: dict) -> dict:
    if not arg_names:
        return {}
    entry = table.ADMIN_EXCEPTIONS.get(name) or table.URLS.get(name)
    if entry is None or entry.obj is None:
        raise AssertionError(f"{name} takes {arg_names}: give its object key in the table")
    return world[entry.obj]


def _admin_kwargs(name: str, arg_names: list[str]) -> dict | None:
    """Arguments for an admin URL: an existing object of the admin's model, or None."""
    if not arg_names:
        return {}
    if name == "admin:app_list":
        return {"app_label": "residents"}
    if "object_id" in arg_names or "id" in arg_names:
        model_part = name.split(":", 1)[1].rsplit("_", 1)[0]
        if name.endswith("_password_change"):
            model_part = "auth_user"
        for model in apps.get_models():
            if f"{model._meta.app_label}_{model._meta.model_name}" == model_part:
                obj = model._default_manager.first()
                if obj is None:
                    return None
                key = "object_id" if "object_id" in arg_names else "id"
                return {key: obj.pk}
    return None


ADMIN_LINES_SKIPPED = ("admin:view_on_site",)
# Admin object pages of other packages' models, of which the world has no object.
ADMIN_NO_OBJECT_PREFIXES = ("admin:account_emailaddress_", "admin:auth_group_", "admin:mfa_")


def test_every_url_name_has_an_entry():
    names = walk_url_names()
    missing = sorted(n for n in names if not n.startswith("admin:") and n not in table.URLS)
    assert not missing, (
        "URL names without a line in tests/project/url_permissions.py (say what each role may "
        "do there): " + ", ".join(missing)
    )
    stale = sorted(set(table.URLS) - set(names))
    assert not stale, "Lines for URL names that no longer exist: " + ", ".join(stale)
    stale_admin = sorted(set(table.ADMIN_EXCEPTIONS) - set(names))
    assert not stale_admin, "Admin exceptions for names that no longer exist: " + ", ".join(
        stale_admin
    )


def test_every_url_answers_each_role_as_the_table_says(world, persona_clients):
    names = walk_url_names()
    dump_path = os.environ.get("URL_PERMISSIONS_DUMP")
    wrong: list[str] = []
    dump: list[str] = []
    checked = 0
    for name, arg_names in sorted(names.items()):
        if name.startswith("admin:") and name not in table.ADMIN_EXCEPTIONS:
            if arg_names:
                # The admin login redirect comes before any object lookup: any id will do.
                kwargs = {arg: "1" for arg in arg_names}
                if name == "admin:app_list":
                    kwargs = {"app_label": "residents"}
            else:
                kwargs = {}
        elif name not in table.URLS and name not in table.ADMIN_EXCEPTIONS:
            if dump_path:
                dump.append(f"    # {name}: no entry; arguments {arg_names}")
            continue  # reported by test_every_url_name_has_an_entry
        else:
            kwargs = _kwargs(name, arg_names, world)
        url = reverse(name, kwargs=kwargs)
        checked += 1
        got_row = []
        for persona, client in persona_clients.items():
            got = _outcome(client.get(url))
            got_row.append(got)
            want = _expected(name, persona)
            if got != want:
                wrong.append(f"{name} ({url}) as {persona}: expected {want}, got {got}")
        if dump_path and not name.startswith("admin:"):
            entry = table.URLS.get(name)
            obj = repr(entry.obj) if entry else "None"
            codes = ", ".join(_code_name(g) for g in got_row)
            dump.append(f'    "{name}": E({obj}, {codes}),')
    if dump_path:
        with open(dump_path, "w") as out:
            out.write("\n".join(dump) + "\n")
    assert not wrong, "Answers differ from the table:\n" + "\n".join(wrong)
    # Every line of the table was requested (none skipped), and the admin site too.
    admin_names = [n for n in names if n.startswith("admin:")]
    assert len(admin_names) > 20
    assert checked == len(table.URLS) + len(admin_names)


def _code_name(code: object) -> str:
    for attr in ("OK", "LOGIN", "ADMIN_LOGIN", "REDIRECT", "FORBIDDEN", "NOT_FOUND", "NOT_ALLOWED"):
        if getattr(table, attr) == code:
            return attr
    return repr(code)


def test_staff_of_another_venue_gets_404_for_this_venues_objects(world, persona_clients):
    """The table's rows for venue-scoped objects, checked from the other side: staff of this
    venue open them (200), staff of another venue get 404 and learn nothing."""
    # Devices are one inventory shared by all venues (their loans of other venues are hidden on
    # the device page), so the device page is not in this list.
    for name in ("classes:session_detail", "loans:loan_detail", "classes:readback"):
        url = reverse(name, kwargs=world[table.URLS[name].obj])
        assert persona_clients["staff"].get(url).status_code == 200, name
        assert persona_clients["other_staff"].get(url).status_code == 404, name


def test_the_admin_site_works_for_a_superuser(world):
    """Every admin page opens for a superuser (no 500); object pages use an existing object."""
    superuser = make_user(Role.ADMINISTRATOR, username="root")
    superuser.is_staff = superuser.is_superuser = True
    superuser.save()
    client = Client()
    client.force_login(superuser)
    failures = []
    object_pages = 0
    for name, arg_names in sorted(walk_url_names().items()):
        if not name.startswith("admin:") or name in ADMIN_LINES_SKIPPED:
            continue
        kwargs = _admin_kwargs(name, arg_names)
        if kwargs is None:
            if not name.startswith(ADMIN_NO_OBJECT_PREFIXES):
                failures.append(f"{name}: no object in the world to open it with")
            continue
        object_pages += bool(kwargs)
        status = client.get(reverse(name, kwargs=kwargs)).status_code
        allowed = {200, 302, 405} if name in ("admin:logout",) else {200, 302}
        if name.endswith("_add") or name == "admin:autocomplete":
            # Some records are made only through their service (loans, lotteries, imports,
            # assignments): their add page is refused; autocomplete needs its parameters.
            allowed = {200, 302, 403}
        if name.startswith("admin:project_auditevent_"):
            allowed = {200, 403}  # read-only: add/delete refused (see test_audit_trail)
        if status not in allowed:
            failures.append(f"{name}: {status}")
    assert not failures, "Admin pages failing for a superuser: " + ", ".join(failures)
    assert object_pages > 30  # change, delete and history pages were opened, not skipped


# Pages whose POST is allauth's or the admin site's own (their own tests cover them).
THIRD_PARTY_PREFIXES = ("account_", "mfa_", "admin:")
FINGERPRINT_APPS = ("classes", "loans", "volunteers", "residents", "reports", "project")
FINGERPRINT_SKIPPED = ("project.AuditEvent",)  # reading a page is audited, by design


def _fingerprint() -> dict[str, list]:
    """Every row of the product's tables (the audit trail aside), to tell whether a POST
    changed anything."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label in FINGERPRINT_APPS and label not in FINGERPRINT_SKIPPED:
            rows[label] = list(model._default_manager.order_by("pk").values_list())
    return rows


def _post_and_roll_back(client, url: str, data: dict, before: dict) -> tuple[object, bool]:
    """POST ``data`` to ``url``; return the answer as a table code and whether any row changed.
    The changes are rolled back, so that every persona meets the same world. (A 405 or a
    redirect to the login page comes from a decorator before the view runs: not compared.)"""
    with transaction.atomic():
        response = client.post(url, data)
        outcome = _outcome(response)
        changed = outcome not in (table.LOGIN, table.NOT_ALLOWED) and _fingerprint() != before
        transaction.set_rollback(True)
    return outcome, changed


REFUSALS = (table.FORBIDDEN, table.NOT_FOUND, table.LOGIN, table.NOT_ALLOWED)


def test_every_post_answers_each_role_as_the_table_says_and_a_refusal_changes_nothing(
    world, persona_clients
):
    """Each line of ``table.POSTS``: the answer per persona; a refused POST changes no row, nor
    does any POST of staff of another venue (but on what all venues share); with a real
    submission (``data``), staff of this venue do change something, so the
    refusals above were refusals of a change and not of an empty form."""
    names = walk_url_names()
    before = _fingerprint()
    wrong: list[str] = []
    dump: list[str] = []
    for name, entry in sorted(table.POSTS.items()):
        url = reverse(name, kwargs=_kwargs(name, names[name], world))
        data = world["post"][entry.data] if entry.data else {}
        got_row = []
        for persona, client in persona_clients.items():
            got, changed = _post_and_roll_back(client, url, data, before)
            got_row.append(got)
            want = entry.for_persona(persona)
            if got != want:
                wrong.append(f"POST {name} ({url}) as {persona}: expected {want}, got {got}")
            if changed and (
                want in REFUSALS or (persona == "other_staff" and name not in table.SHARED)
            ):
                wrong.append(f"POST {name} ({url}) as {persona}: changed rows")
            if entry.data and persona == "staff" and not changed:
                wrong.append(f"POST {name} ({url}) as staff: the submission changed nothing")
        codes = ", ".join(_code_name(g) for g in got_row)
        dump.append(f'    "{name}": P({entry.data!r}, {codes}),')
    if dump_path := os.environ.get("URL_PERMISSIONS_DUMP"):
        with open(dump_path + ".post", "w") as out:
            out.write("\n".join(dump) + "\n")
    assert not wrong, "POST answers differ from the table:\n" + "\n".join(wrong)


def test_every_post_only_view_has_a_post_line():
    post_only = [
        name
        for name, entry in table.URLS.items()
        if all(entry.for_persona(p) == table.NOT_ALLOWED for p in table.PERSONAS)
    ]
    assert len(post_only) > 20
    missing = sorted(set(post_only) - set(table.POSTS))
    assert not missing, "POST-only views without a line in table.POSTS: " + ", ".join(missing)
    unknown = sorted(set(table.POSTS) - set(table.URLS))
    assert not unknown, "table.POSTS lines for unknown URL names: " + ", ".join(unknown)


def test_a_post_to_a_page_without_a_post_line_is_answered_like_a_get_and_changes_nothing(
    world, persona_clients
):
    """The pages that only show something: a POST (an empty form, as a stray resubmission
    would be) gets the GET's answer or 405, and no row changes, for every persona."""
    names = walk_url_names()
    before = _fingerprint()
    wrong: list[str] = []
    checked = 0
    for name, entry in sorted(table.URLS.items()):
        if name in table.POSTS or name.startswith(THIRD_PARTY_PREFIXES):
            continue
        url = reverse(name, kwargs=_kwargs(name, names[name], world))
        checked += 1
        for persona, client in persona_clients.items():
            got, changed = _post_and_roll_back(client, url, {}, before)
            if got not in (entry.for_persona(persona), table.NOT_ALLOWED):
                wrong.append(f"POST {name} as {persona}: got {got}")
            if changed:
                wrong.append(f"POST {name} as {persona}: changed rows")
    assert checked > 20
    assert not wrong, "Pages without a POST line answering a POST:\n" + "\n".join(wrong)


def test_an_other_venues_id_in_the_query_string_shows_and_preselects_nothing_of_it(
    world, persona_clients, venue
):
    """The views that choose an object from ``?venue=``, ``?device=`` or ``?resident=`` (grep
    ``request.GET`` in the views): staff of another venue, given this venue's ids, get 404 or a
    page without this venue's object; staff of this venue get the object."""
    Session.objects.filter(pk=world["session"]["pk"]).update(title="本町のスマホ教室")
    session = Session.objects.get(pk=world["session"]["pk"])
    device = Device.objects.select_related("reserved_for").get(pk=world["device"]["pk"])
    resident_name = device.reserved_for.name
    today = timezone.localdate()
    month = {"year": today.year, "month": today.month}
    own, other = persona_clients["staff"], persona_clients["other_staff"]

    for name in ("classes:call_list", "classes:call_list_pdf"):
        url = reverse(name)
        assert own.get(url, {"venue": venue.pk}).status_code == 200, name
        assert other.get(url, {"venue": venue.pk}).status_code == 404, name

    # The session list filtered by this venue: the filter is refused, nothing of it is listed.
    url = reverse("classes:session_list")
    assert session.title in own.get(url, {"venue": venue.pk}).content.decode()
    assert session.title not in other.get(url, {"venue": venue.pk}).content.decode()

    # The month of attendance of this venue: staff of another venue are sent back to choose.
    url = reverse("reports:venue_month_attendance")
    assert own.get(url, {"venue": venue.pk, **month})["Content-Type"] == "application/pdf"
    refused = other.get(url, {"venue": venue.pk, **month})
    assert _outcome(refused) == table.REDIRECT
    assert urlparse(refused["Location"]).path == reverse("reports:report_list")

    # The device reserved at this venue, chosen by id on the lend and reserve pages: the other
    # venue's staff learn neither for whom it is held nor get a form to lend or reserve it.
    for name in ("loans:checkout", "loans:reserve"):
        params = {"device": device.pk}
        mine = own.get(reverse(name), params).content.decode()
        theirs = other.get(reverse(name), params).content.decode()
        assert "is reserved at another venue" not in mine, name
        assert "is reserved at another venue" in theirs, name
        assert resident_name not in theirs, name
    # Chosen as the resident: their reservation and loan at this venue stay hidden.
    theirs = other.get(
        reverse("loans:checkout"), {"resident": device.reserved_for_id}
    ).content.decode()
    assert device.asset_tag not in theirs
    assert "also has 2 loans or reservations at other venues" in theirs
