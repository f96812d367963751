"""The world the fuzz tests run in: every URL name of the project, a small world (one of most
things) and a crawl of every page from it that records the forms found and where they post.

Used by tests/project/test_fuzz_forms.py (read its docstring), whose ``world`` fixture builds it
once per module in a transaction rolled back at the end.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

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

from classes.models import CallListEntry, Consultation, Registration, SeatOffer, Series, Session
from kernel.models import Role
from loans.models import Device, LoanLottery
from reports.models import GeneratedReport
from residents.models import ResidentImport, SkillItem
from residents.services_skills import skill_assessment_record, skill_items_ensure
from tests import factories as f
from volunteers.models import MatchProposal, MatchRun

# Not ours to fuzz (the Django admin, allauth's flows other than log-in and password change).
SKIPPED_PREFIXES = ("admin:",)
ALLAUTH_FUZZED = {"account_login", "account_change_password", "account_reset_password"}


# The keyword arguments each URL name takes (its path converters), filled by _url_names().
URL_KWARGS: dict[str, tuple[str, ...]] = {}


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
                URL_KWARGS.setdefault(name, tuple(getattr(entry.pattern, "converters", {})))

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
    caravan = f.SessionFactory(
        venue=venue,
        kind=Session.Kind.CARAVAN,
        place="集会所",
        seats=None,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    f.RegistrationFactory(session=caravan, resident=residents[1])
    f.RegistrationFactory(session=today_class, resident=residents[2])
    # A cancelled registration, so the session page offers its Restore form.
    f.RegistrationFactory(
        session=today_class,
        resident=residents[0],
        status=Registration.Status.CANCELLED,
        cancelled_at=timezone.now(),
    )
    registration = f.RegistrationFactory(session=session, resident=residents[0])
    f.RegistrationFactory(session=session, resident=residents[1])
    f.RegistrationFactory(
        session=session, resident=residents[2], status=Registration.Status.WAITLISTED
    )
    f.RegistrationFactory(session=past, resident=residents[1])
    # A freed seat held for the first in line, asked by phone: the call list's answer form.
    later = timezone.localtime() + timedelta(days=3)
    offered = f.SessionFactory(
        venue=venue,
        seats=1,
        starts_at=later.replace(hour=14, minute=0, second=0, microsecond=0),
        ends_at=later.replace(hour=15, minute=0, second=0, microsecond=0),
    )
    SeatOffer.objects.create(
        session=offered,
        registration=f.RegistrationFactory(
            session=offered, resident=residents[1], status=Registration.Status.WAITLISTED
        ),
        channel=SeatOffer.Channel.PHONE,
        expires_at=timezone.now() + timedelta(days=1),
        link_key="fuzz-world-offer",
    )
    CallListEntry.objects.create(registration=registration, reason=CallListEntry.Reason.REMINDER)
    Consultation.objects.create(
        session=consult, resident=residents[2], slot_start=consult.starts_at
    )
    f.AssignmentFactory(session=session, supporter=supporter)
    f.AssignmentFactory(session=past, supporter=supporter)
    # Pages reached only through a list of such objects (and the forms on them).
    f.ResidentFactory(name="山田 花子", possible_duplicate_of=residents[0])
    # A self-assessment: the resident page links to its correction and deletion pages.
    skill_items_ensure()
    skill_assessment_record(
        resident=residents[0],
        point="before",
        asked_on=today,
        channel="phone",
        answers={SkillItem.objects.order_by("position")[0].pk: "can"},
    )
    # A list read and waiting for confirmation: its page holds the confirm form.
    ResidentImport.objects.create(file_name="list.csv", status=ResidentImport.Status.PREVIEWED)
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
    match_run = MatchRun.objects.create(
        date_from=today, date_to=today + timedelta(days=7), state=MatchRun.State.DONE
    )
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
        _path("classes:session_detail", args=[caravan.pk]),
        # Caravan mode's JSON endpoints: the page's script calls them, no link leads there.
        _path("classes:caravan_data", args=[caravan.pk]),
        _path("classes:caravan_token", args=[caravan.pk]),
        _path("classes:caravan_sync", args=[caravan.pk]),
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


def crawled_world() -> World:
    """Build the world and crawl it (call inside a transaction the caller rolls back)."""
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
    return World(clients=clients, targets=targets, users=users)


def concrete_path(world: World, name: str) -> str:
    """A URL of ``name``: the crawled one, else one built with keyword arguments seen in the
    crawl (a feed token, an object id), else with 1 for each argument."""
    if name in world.targets:
        return urlsplit(world.targets[name].path).path
    seen: dict[str, object] = {}
    for target in world.targets.values():
        named = _name_of(target.path)
        if named:
            for key, value in named[1].items():
                seen.setdefault(key, value)
    kwargs = {key: seen.get(key, 1) for key in URL_KWARGS.get(name, ())}
    return reverse(name, kwargs=kwargs)
