"""Locust load test of the staff pages, driven by ``manage.py bench_load``.

Run by ``bench_load`` (which writes the plan, starts gunicorn and reads the CSV), not by hand:
the plan file named by the environment variable ``BENCH_LOAD_PLAN`` (JSON, see
``devtools/loadtest/plan.py``) holds the bench staff accounts, their venue, the kana prefixes to
search, today's sessions, and the devices and residents each account may use.

User classes (pass one on the locust command line):

- ``StaffDay``: center staff taking phone registrations, attendance and loan checkouts (each
  device lent is received back at once) and reading the dashboard, with a think time between
  steps. Its latencies are the figure of the p95 goal.
- ``PageCapacity``: every user requests the same page back to back (no think time), one page
  per phase of ``phase_seconds``: first ``/healthz`` (anonymous, the floor of the stack), then
  each key page. ``requests / phase length`` is the page's capacity.

Every simulated user logs in through allauth's login form (CSRF token from the cookie). Timing
starts only when all of them have logged in (the statistics are cleared then): password
hashing is deliberately slow and is not what this measures.

This file imports no Django code: the paths below are plain strings, and
``tests/project/test_bench_load.py`` checks that each one reverses from its URL name.
"""

import json
import os
import random
import re
import time
from typing import TypedDict

import gevent
from gevent.event import Event
from locust import HttpUser, events, task
from locust.clients import HttpSession
from locust.exception import StopUser

# name -> (path template, Django URL name). Templates take ``{pk}``.
ROUTES = {
    "healthz": ("/healthz", "healthz"),
    "login": ("/accounts/login/", "account_login"),
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

# Request names in the statistics (the "endpoint group" of the report).
N_HEALTHZ = "healthz (trivial view)"
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

# The pages of PageCapacity, in phase order; healthz first.
CAPACITY_PAGES = [
    N_HEALTHZ,
    N_DASHBOARD,
    N_PHONE_SEARCH,
    N_PHONE_FORM,
    N_SESSION,
    N_DEVICES,
    N_CHECKOUT_FORM,
]

_RESIDENT_LINK = re.compile(r"[?&;]resident=(\d+)")
_SESSION_INPUT = re.compile(r'name="session" value="(\d+)"')
_ATTENDED_INPUT = re.compile(r'name="attended" value="(\d+)"')
_LOAN_PATH = re.compile(r"/loans/loans/(\d+)/$")
_READBACK_PATH = re.compile(r"/sessions/registrations/(\d+)/$")


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

# Shared by the simulated users of this process: the login gate and the account hand-out.


class _RunState(TypedDict):
    arrived: int  # users logged in (or given up)
    next_account: int
    opened_at: float | None  # time.monotonic() when the gate opened
    logins_failed: int
    busy: int  # PageCapacity requests under way


_state: _RunState = {
    "arrived": 0,
    "next_account": 0,
    "opened_at": None,
    "logins_failed": 0,
    "busy": 0,
}
# Per request name, after the gate: [requests, first start, last end] (epoch seconds), so a
# PageCapacity phase's rate is counted over the time its page was actually being served.
_served: dict[str, list] = {}
_gate = Event()


@events.test_start.add_listener
def _on_test_start(environment, **kwargs):
    _state.update(
        {"arrived": 0, "next_account": 0, "opened_at": None, "logins_failed": 0, "busy": 0}
    )
    _served.clear()
    _gate.clear()

    def open_late():
        # Never wait forever for a login that hangs: start measuring anyway.
        gevent.sleep(PLAN.get("login_timeout", 180))
        _open_gate(environment)

    gevent.spawn(open_late)


def _open_gate(environment) -> None:
    if _gate.is_set():
        return
    environment.stats.clear_all()  # drop the logins: timing starts now
    _served.clear()
    _state["opened_at"] = time.monotonic()
    _gate.set()
    seconds = PLAN.get("measure_seconds", 30) or PLAN.get("phase_seconds", 10) * len(CAPACITY_PAGES)
    gevent.spawn(_stop_after, environment, seconds)


def _stop_after(environment, seconds: float) -> None:
    gevent.sleep(seconds)
    # PageCapacity users stop asking now; let the requests under way finish (at most 60 s).
    deadline = time.monotonic() + 60
    while _state["busy"] and time.monotonic() < deadline:
        gevent.sleep(0.1)
    _write_info()
    environment.runner.quit()


@events.request.add_listener
def _on_request(name, response_time, **kwargs):
    if not _gate.is_set():
        return
    end = time.time()
    entry = _served.setdefault(name, [0, end - (response_time or 0) / 1000, end])
    entry[0] += 1
    entry[1] = min(entry[1], end - (response_time or 0) / 1000)
    entry[2] = end


def _arrive(environment) -> None:
    """Count one user as logged in (or given up); the last one opens the gate."""
    _state["arrived"] += 1
    if _state["arrived"] >= max(1, environment.runner.target_user_count):
        _open_gate(environment)


def _write_info() -> None:
    """For bench_load: failed logins (their statistics were cleared at the gate), the
    PageCapacity pages in phase order, and per request name [requests, first start, last end]."""
    out = PLAN.get("info_file")
    if not out or _state["opened_at"] is None:
        return
    info = {
        "logins_failed": _state["logins_failed"],
        "pages": CAPACITY_PAGES,
        "served": _served,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(info, fh)


class _Staff(HttpUser):
    """A logged-in center staff member of one venue (one bench account per simulated user)."""

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
            ok = self._login()
        finally:
            _arrive(self.environment)
        if not ok:
            _state["logins_failed"] += 1
            raise StopUser("login failed")
        _gate.wait()

    def _login(self) -> bool:
        self.client.get(path("login"), name="login form")
        with self.client.post(
            path("login"),
            data={
                "csrfmiddlewaretoken": self._csrf(),
                "login": self.account["username"],
                "password": self.account["password"],
            },
            name="login POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/accounts/login/" not in response.headers.get(
                "Location", ""
            ):
                response.success()
                return True
            response.failure(f"login refused (HTTP {response.status_code})")
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
                response.failure(f"HTTP {response.status_code}, not a redirect")
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


class PageCapacity(_Staff):
    """One page at a time, back to back, by phase (see CAPACITY_PAGES)."""

    def wait_time(self):
        return 0

    def on_start(self):
        super().on_start()
        # The trivial view is asked as a load balancer asks it: no cookies, no session.
        self.anonymous = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        self.anonymous.trust_env = False

    @task
    def current_page(self):
        opened_at = _state["opened_at"]
        assert opened_at is not None, "users start their tasks only once the gate has opened"
        elapsed = time.monotonic() - opened_at
        index = int(elapsed // PLAN.get("phase_seconds", 10))
        if index >= len(CAPACITY_PAGES):
            gevent.sleep(0.1)  # the run is about to stop
            return
        _state["busy"] += 1
        try:
            self._request_page(CAPACITY_PAGES[index])
        finally:
            _state["busy"] -= 1

    def _request_page(self, page: str) -> None:
        if page == N_HEALTHZ:
            with self.anonymous.get(path("healthz"), name=N_HEALTHZ, catch_response=True) as r:
                if r.status_code != 200 or r.text != "ok":
                    r.failure(f"HTTP {r.status_code}")
        elif page == N_DASHBOARD:
            self._get(path("dashboard"), N_DASHBOARD)
        elif page == N_PHONE_SEARCH:
            self._phone_search()
        elif page == N_PHONE_FORM:
            self._phone_form(
                self.rng.choice(self.account["kana"]),
                self.rng.choice(self.account["phone_residents"]),
            )
        elif page == N_SESSION:
            if self.account["attendance_sessions"]:
                self._session_page(self.rng.choice(self.account["attendance_sessions"]))
        elif page == N_DEVICES:
            self._get(path("device_list"), N_DEVICES)
        elif page == N_CHECKOUT_FORM:
            self.loan_slot += 1
            self._get(path("checkout"), N_CHECKOUT_FORM, params=self._checkout_params())
