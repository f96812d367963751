"""Locust load test of the staff pages, driven by ``manage.py bench_load``.

Run by ``bench_load`` (which writes the plan, starts gunicorn and reads the CSV), not by hand:
the plan file named by the environment variable ``BENCH_LOAD_PLAN`` (JSON, see
``devtools/loadtest/plan.py``) holds the bench staff accounts with a logged-in session each,
their venue, the kana prefixes to search, today's sessions, and the devices and residents each
account may use.

``StaffDay``: a desk of center staff taking phone registrations, attendance and loan checkouts
(each device lent is received back at once) and reading the dashboard, with a think time between
steps. One run is one step of the ramp (a number of simultaneous desks).

Each simulated desk starts with the session cookie bench_load made for its account (Django's
login, as after the login form: the form's deliberately slow password hash is not what this
measures) and opens the dashboard once, which also gives it the CSRF cookie. Timing starts when
every desk has done so (the statistics are cleared then); the CPU used by the application,
PostgreSQL and this generator is sampled at that moment and at the end (``procstat``).

This file imports no Django code: the paths below are plain strings, and
``tests/project/test_bench_load.py`` checks that each one reverses from its URL name.
"""

import json
import os
import random
import re
import time
from html.parser import HTMLParser
from typing import TypedDict

import gevent
from gevent.event import Event
from locust import HttpUser, events, task
from locust.exception import StopUser

from devtools.loadtest.procstat import cpu_sample, cpu_used, machine_cpu

# name -> (path template, Django URL name). Templates take ``{pk}``.
ROUTES = {
    "healthz": ("/healthz", "healthz"),
    "dashboard": ("/", "dashboard"),
    "phone": ("/sessions/phone/", "classes:phone"),
    "register": ("/sessions/registrations/new/", "classes:register"),
    "readback": ("/sessions/registrations/{pk}/", "classes:readback"),
    "session_detail": ("/sessions/{pk}/", "classes:session_detail"),
    "attendance": ("/sessions/{pk}/attendance/", "classes:attendance_take"),
    "device_list": ("/loans/", "loans:device_list"),
    "checkout": ("/loans/lend/", "loans:checkout"),
    "loan_detail": ("/loans/loans/{pk}/", "loans:loan_detail"),
    "loan_return": ("/loans/loans/{pk}/return/", "loans:return"),
}

# Request names in the statistics (the "page" of the report).
N_DASHBOARD = "dashboard"
N_PHONE_SEARCH = "phone: search kana"
N_PHONE_FORM = "phone: register form"
N_REGISTER = "phone: register POST"
N_READBACK = "phone: read-back"
N_SESSION = "attendance: session page"
N_ATTENDANCE = "attendance: save POST"
N_DEVICES = "loans: device list"
N_CHECKOUT_FORM = "loans: checkout form"
N_CHECKOUT = "loans: checkout POST"
N_LOAN = "loans: loan page"
N_RETURN_FORM = "loans: return form"
N_RETURN = "loans: return POST"
# The first request of each desk, before timing starts (not in the figures).
N_START = "start: dashboard"

_RESIDENT_LINK = re.compile(r"[?&;]resident=(\d+)")
_SESSION_INPUT = re.compile(r'name="session" value="(\d+)"')
_ATTENDED_INPUT = re.compile(r'name="attended" value="(\d+)"')
_LOAN_PATH = re.compile(r"/loans/loans/(\d+)/$")
_READBACK_PATH = re.compile(r"/sessions/registrations/(\d+)/$")


class _FirstFormError(HTMLParser):
    """Reads a page a form answered with HTTP 200: the text of the first item of its first list of
    field errors or messages (``class="errorlist"`` or ``class="messages"``), in ``text``."""

    def __init__(self) -> None:
        super().__init__()
        self.in_list = False
        self.in_item = False
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag == "ul" and classes & {"errorlist", "messages"}:
            self.in_list = True
        elif tag == "li" and self.in_list and not self.done:
            self.in_item = True

    def handle_endtag(self, tag):
        if tag == "li" and self.in_item:
            self.in_item = False
            self.done = True

    def handle_data(self, data):
        if self.in_item:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def _form_error(page: str) -> str:
    """What a form page answered with HTTP 200 says went wrong, on one line; "" when it says nothing."""
    reader = _FirstFormError()
    reader.feed(page)
    return reader.text


def path(name: str, **kwargs) -> str:
    """The path of route ``name`` with ``{pk}`` filled in."""
    return ROUTES[name][0].format(**kwargs)


def _load_plan() -> dict:
    plan_file = os.environ.get("BENCH_LOAD_PLAN", "")
    if not plan_file:
        return {}
    with open(plan_file, encoding="utf-8") as fh:
        return json.load(fh)


PLAN = _load_plan()

# Shared by the simulated desks of this process: the start gate and the account hand-out.


class _RunState(TypedDict):
    arrived: int  # desks that made their first request (or gave up)
    next_account: int
    opened_at: float | None  # time.monotonic() when the gate opened
    logins_failed: int
    cpu_before: dict | None  # procstat sample at the gate
    machine_before: tuple[float, float] | None


_state: _RunState = {
    "arrived": 0,
    "next_account": 0,
    "opened_at": None,
    "logins_failed": 0,
    "cpu_before": None,
    "machine_before": None,
}
_gate = Event()


def _cpu_now() -> dict:
    groups = PLAN.get("cpu") or {}
    return cpu_sample(
        app_pgid=groups.get("app_pgid", -1),
        generator_pgid=os.getpgrp(),
        db_name=groups.get("db_name", ""),
    )


@events.test_start.add_listener
def _on_test_start(environment, **kwargs):
    _state.update(
        {
            "arrived": 0,
            "next_account": 0,
            "opened_at": None,
            "logins_failed": 0,
            "cpu_before": None,
            "machine_before": None,
        }
    )
    _gate.clear()

    def open_late():
        # Never wait forever for a desk that hangs: start measuring anyway.
        gevent.sleep(PLAN.get("login_timeout", 180))
        _open_gate(environment)

    gevent.spawn(open_late)


def _open_gate(environment) -> None:
    if _gate.is_set():
        return
    environment.stats.clear_all()  # drop the first requests: timing starts now
    _state["opened_at"] = time.monotonic()
    _state["cpu_before"] = _cpu_now()
    _state["machine_before"] = machine_cpu()
    _gate.set()
    gevent.spawn(_stop_after, environment, PLAN.get("measure_seconds", 30))


def _stop_after(environment, seconds: float) -> None:
    gevent.sleep(seconds)
    _write_info()
    environment.runner.quit()


def _arrive(environment) -> None:
    """Count one desk as started (or given up); the last one opens the gate."""
    _state["arrived"] += 1
    if _state["arrived"] >= max(1, environment.runner.target_user_count):
        _open_gate(environment)


def _write_info() -> None:
    """For bench_load: desks that could not start, and the CPU seconds used while measuring
    by each group of processes and by the whole machine."""
    out = PLAN.get("info_file")
    opened_at = _state["opened_at"]
    if not out or opened_at is None or _state["cpu_before"] is None:
        return
    busy_before, total_before = _state["machine_before"] or (0.0, 0.0)
    busy_after, total_after = machine_cpu()
    info = {
        "logins_failed": _state["logins_failed"],
        "seconds": round(time.monotonic() - opened_at, 2),
        "cpu": cpu_used(_state["cpu_before"], _cpu_now()),
        "machine": {
            "busy": round(busy_after - busy_before, 2),
            "total": round(total_after - total_before, 2),
        },
        "cores": os.cpu_count() or 1,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(info, fh)


class _Staff(HttpUser):
    """A logged-in center staff member of one venue (one bench account per simulated desk)."""

    abstract = True

    def on_start(self):
        accounts = PLAN.get("accounts") or []
        if not accounts:
            _arrive(self.environment)
            raise StopUser("no bench accounts in the plan (run through manage.py bench_load)")
        self.account = accounts[_state["next_account"] % len(accounts)]
        _state["next_account"] += 1
        self.rng = random.Random(self.account["username"])
        self.loan_slot = 0
        try:
            ok = self._start()
        finally:
            _arrive(self.environment)
        if not ok:
            _state["logins_failed"] += 1
            raise StopUser("the bench session was refused")
        _gate.wait()

    def _start(self) -> bool:
        """Take the account's session and open the dashboard (which sets the CSRF cookie)."""
        self.client.cookies.set(PLAN["session_cookie_name"], self.account["session_key"])
        with self.client.get(
            path("dashboard"), name=N_START, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 200 and self._csrf():
                response.success()
                return True
            response.failure(f"not logged in (HTTP {response.status_code})")
            return False

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken") or ""

    def _think(self) -> None:
        low, high = PLAN.get("think", [1.0, 3.0])
        if high > 0:
            gevent.sleep(self.rng.uniform(low, high))

    def _get(self, url: str, name: str, **kwargs):
        """GET that fails unless the answer is HTTP 200."""
        with self.client.get(url, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def _post(self, url: str, name: str, data: dict, expect: re.Pattern | None = None):
        """POST a form (with the CSRF token) without following the redirect. Fails unless the
        answer is a redirect, and, with ``expect``, one to a path matching it."""
        data = {"csrfmiddlewaretoken": self._csrf(), **data}
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302:
                said = _form_error(response.text or "")
                reason = f": {said[:120]}" if said else ""
                response.failure(f"HTTP {response.status_code}, not a redirect{reason}")
            elif expect is not None and not expect.search(location.split("?")[0]):
                response.failure(f"refused: redirected to {location}")
            return response

    # --- the pages ---------------------------------------------------------------------------

    def _phone_search(self):
        prefix = self.rng.choice(self.account["kana"])
        response = self._get(path("phone"), N_PHONE_SEARCH, params={"q": prefix})
        return prefix, [int(i) for i in _RESIDENT_LINK.findall(response.text or "")]

    def _phone_form(self, prefix: str, resident_id: int):
        return self._get(path("phone"), N_PHONE_FORM, params={"q": prefix, "resident": resident_id})

    def _session_page(self, session_id: int):
        return self._get(path("session_detail", pk=session_id), N_SESSION)

    def _checkout_params(self) -> dict:
        slot = self.account["loan_slots"][self.loan_slot % len(self.account["loan_slots"])]
        return {"device": slot["device"], "resident": slot["resident"]}


class StaffDay(_Staff):
    """Phone registrations, attendance, loan checkouts and the dashboard, with think time."""

    def on_start(self):
        super().on_start()
        # Desks do not all click at the same instant when measuring starts: each begins after
        # a think time of its own, as between any two steps. (Without this, every user's first
        # request lands in the same millisecond, a burst the rest of the run never sees.)
        self._think()

    def wait_time(self):
        low, high = PLAN.get("think", [1.0, 3.0])
        return self.rng.uniform(low, high)

    @task(5)
    def phone_registration(self):
        prefix, residents = self._phone_search()
        if not residents:
            return
        resident_id = self.rng.choice(residents)
        self._think()
        form = self._phone_form(prefix, resident_id)
        sessions = [int(i) for i in _SESSION_INPUT.findall(form.text or "")]
        if not sessions:
            return
        # Callers want the next sessions, so several desks compete for the same seats.
        session_id = self.rng.choice(sessions[:4])
        self._think()
        response = self._post(
            path("register"), N_REGISTER, {"session": session_id, "resident": resident_id}
        )
        location = response.headers.get("Location", "")
        if _READBACK_PATH.search(location):
            self._get(location, N_READBACK)
        elif location:
            # Refused (already registered, overlapping session): the screen says why.
            self._get(location, N_PHONE_FORM)

    @task(2)
    def attendance(self):
        session_ids = self.account["attendance_sessions"]
        if not session_ids:
            return
        session_id = self.rng.choice(session_ids)
        page = self._session_page(session_id)
        regs = _ATTENDED_INPUT.findall(page.text or "")
        self._think()
        attended = [r for r in regs if self.rng.random() < 0.8]
        response = self._post(
            path("attendance", pk=session_id), N_ATTENDANCE, {"attended": attended}
        )
        if response.status_code == 302:
            self._session_page(session_id)

    @task(1)
    def loan_checkout_and_return(self):
        self._get(path("device_list"), N_DEVICES)
        self._think()
        params = self._checkout_params()
        slot = self.account["loan_slots"][self.loan_slot % len(self.account["loan_slots"])]
        self.loan_slot += 1
        self._get(path("checkout"), N_CHECKOUT_FORM, params=params)
        self._think()
        query = f"?device={params['device']}&resident={params['resident']}"
        response = self._post(
            path("checkout") + query,
            N_CHECKOUT,
            {
                "venue": self.account["venue_id"],
                "start_date": PLAN["today"],
                "kit": slot["kit"],
                "signed_by": "resident",
            },
            expect=_LOAN_PATH,
        )
        found = _LOAN_PATH.search(response.headers.get("Location", "").split("?")[0])
        if not found:
            return
        loan_id = int(found.group(1))
        self._get(path("loan_detail", pk=loan_id), N_LOAN)
        self._think()
        # Received back at once, so the same devices serve the whole run.
        self._get(path("loan_return", pk=loan_id), N_RETURN_FORM)
        self._post(
            path("loan_return", pk=loan_id),
            N_RETURN,
            {
                "returned_on": PLAN["today"],
                "kit_returned": slot["kit"],
                "condition": slot["condition"],
                "data_wiped": "on",
                "outcome": "",
                "notes": "",
            },
            expect=_LOAN_PATH,
        )

    @task(2)
    def dashboard(self):
        self._get(path("dashboard"), N_DASHBOARD)
