"""The load benchmark's wiring: the locustfile's paths are the app's real URLs, /healthz is the
trivial view it claims to be, bench_load's overbooking check, cleanup, CPU reading and verdict do
what they say.

No timing here: the figures come from ``manage.py bench_load`` (make bench)."""

import io
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.urls import reverse
from django.utils import timezone

from classes.models import Registration
from devtools.loadtest import LOCUSTFILE, procstat
from devtools.loadtest.checks import check_routes, locustfile_routes
from devtools.loadtest.plan import ACCOUNT_PREFIX
from devtools.management.commands import bench_load
from kernel.models import Role
from loans.models import Device
from tests.factories import (
    DeviceFactory,
    LoanPolicyFactory,
    RegistrationFactory,
    ResidentFactory,
    SessionFactory,
    make_user,
)


def test_the_locustfile_imports_and_declares_the_routes_bench_load_checks():
    # In a child process: importing locust monkey-patches sockets and threads.
    code = (
        "import json, runpy, sys; ns = runpy.run_path(sys.argv[1]); "
        "print(json.dumps({'routes': ns['ROUTES'], "
        "'classes': [n for n in ('StaffDay', 'PageCapacity') if n in ns]}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(LOCUSTFILE)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["classes"] == ["StaffDay"]
    # bench_load reads ROUTES without importing locust; both readings agree.
    assert {k: tuple(v) for k, v in loaded["routes"].items()} == locustfile_routes()


def test_every_locustfile_path_reverses_from_its_url_name():
    routes = locustfile_routes()
    assert {"phone", "register", "attendance", "checkout", "loan_return", "healthz"} <= set(routes)
    assert check_routes(routes) == []
    for template, url_name in routes.values():
        kwargs = {"pk": 7} if "{pk}" in template else None
        assert reverse(url_name, kwargs=kwargs) == template.format(pk=7)


def test_a_renamed_or_moved_url_is_reported():
    wrong = check_routes(
        {
            "phone": ("/sessions/telephone/", "classes:phone"),
            "gone": ("/nowhere/", "classes:no_such_page"),
        }
    )
    assert len(wrong) == 2
    assert "/sessions/phone/" in wrong[0]
    assert "classes:no_such_page" in wrong[1]


@pytest.mark.django_db
def test_healthz_answers_ok_without_login_or_a_database_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_the_device_list_is_paged_so_a_city_inventory_stays_fast(staff_client):
    DeviceFactory.create_batch(53)
    first = staff_client.get(reverse("loans:device_list"))
    assert first.status_code == 200
    assert len(first.context["devices"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    second = staff_client.get(reverse("loans:device_list"), {"status": "available", "page": 2})
    page_two = second.content.decode()
    assert len(second.context["devices"]) == 3
    assert "status=available&amp;page=1" in page_two  # the filter is kept across pages


@pytest.mark.django_db
def test_overbooking_check_finds_a_session_over_its_seats_and_ignores_walk_ins(venue):
    cmd = bench_load.Command()
    session = SessionFactory(venue=venue, seats=2)
    RegistrationFactory.create_batch(2, session=session)
    RegistrationFactory(session=session, is_walk_in=True)  # walk-ins are always let in
    RegistrationFactory(session=session, status=Registration.Status.WAITLISTED)
    assert cmd._overbooking() == []
    RegistrationFactory(session=session)
    assert cmd._overbooking() == [f"session {session.pk} has 3 seated for 2 seats"]


@pytest.mark.django_db
def test_cleanup_removes_what_the_bench_accounts_wrote_and_restores_the_snapshot(venue, tmp_path):
    cmd = bench_load.Command()
    bench = make_user(Role.STAFF, venues=[venue], username=f"{ACCOUNT_PREFIX}01")
    desk = make_user(Role.STAFF, venues=[venue], username="desk")
    session = SessionFactory(venue=venue)
    kept = RegistrationFactory(session=session, created_by=desk, attendance="")
    made = RegistrationFactory(session=session, created_by=bench)
    device = DeviceFactory(status=Device.Status.AVAILABLE)
    plan = {
        "accounts": [{"attendance_sessions": [session.pk], "loan_slots": [{"device": device.pk}]}]
    }
    snapshot = cmd._snapshot(plan, tmp_path)
    # What a staff day does in place: attendance marked, the device left on loan.
    Registration.objects.filter(pk=kept.pk).update(attendance="attended")
    Device.objects.filter(pk=device.pk).update(status=Device.Status.ON_LOAN)

    cmd._cleanup(snapshot)

    assert not Registration.objects.filter(pk=made.pk).exists()
    kept.refresh_from_db()
    device.refresh_from_db()
    assert kept.attendance == ""
    assert device.status == Device.Status.AVAILABLE


def test_bench_load_refuses_a_database_that_is_not_postgresql(db, monkeypatch):
    from django.db import connection

    # On either test database: the command must refuse anything but PostgreSQL.
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_load", "--desks", "1")


@pytest.mark.django_db
def test_each_bench_account_gets_a_logged_in_session_signed_with_the_bench_key(venue):
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    from devtools.loadtest.plan import BENCH_SECRET_KEY

    cmd = bench_load.Command()
    cmd.stdout = OutputWrapper(io.StringIO())
    session = SessionFactory(venue=venue, starts_at=timezone.now() + timedelta(days=2))
    RegistrationFactory(session=session)
    LoanPolicyFactory()
    for _ in range(3):
        DeviceFactory(status=Device.Status.AVAILABLE)
        ResidentFactory()
    plan = cmd._plan(2, 1, [1.0, 3.0])
    assert [a["username"] for a in plan["accounts"]] == [
        f"{ACCOUNT_PREFIX}01",
        f"{ACCOUNT_PREFIX}02",
    ]
    with override_settings(SECRET_KEY=BENCH_SECRET_KEY):
        data = SessionStore(session_key=plan["accounts"][0]["session_key"]).load()
    user = get_user_model().objects.get(username=f"{ACCOUNT_PREFIX}01")
    assert data["_auth_user_id"] == str(user.pk)
    assert not user.has_usable_password()  # the session is the only way in


def test_cpu_used_counts_new_processes_from_zero_and_sums_each_group():
    before = {"app": {1: 10.0, 2: 5.0}, "postgres": {7: 1.0}, "generator": {}}
    after = {"app": {1: 12.5, 2: 5.5, 3: 0.25}, "postgres": {7: 1.75}, "generator": {9: 0.5}}
    assert procstat.cpu_used(before, after) == {
        "app": {"seconds": 3.25, "processes": 3},
        "postgres": {"seconds": 0.75, "processes": 1},
        "generator": {"seconds": 0.5, "processes": 1},
    }


def test_cpu_sample_finds_this_process_in_its_group():
    sample = procstat.cpu_sample(app_pgid=os.getpgrp(), generator_pgid=-1, db_name="none")
    assert os.getpid() in sample["app"]
    busy, total = procstat.machine_cpu()
    assert 0 < busy <= total


def test_the_verdict_names_the_first_step_that_missed_and_what_missed():
    ok = {"slow": [], "errors": [], "overbooking": []}
    results = [
        {"desks": 50, **ok},
        {"desks": 100, **ok},
        {"desks": 150, **ok, "slow": [("phone: search kana", "340")]},
        {"desks": 200, **ok},
    ]
    assert bench_load._verdict(results) == (
        "desks at p95 under 200 ms: 100 missed: at 150 desks phone: search kana p95 340 ms"
    )
    assert bench_load._verdict([{"desks": 200, **ok}, {"desks": 250, **ok}]) == (
        "desks at p95 under 200 ms: 250 met"
    )
    errors = [{"desks": 200, **ok, "errors": ["3 errors on dashboard"]}]
    assert bench_load._verdict(errors) == (
        "desks at p95 under 200 ms: 0 missed: at 200 desks 3 errors on dashboard"
    )


def test_the_cpu_line_gives_cores_and_cpu_per_request():
    from devtools.loadtest.runner import _cpu_line

    info = {
        "seconds": 40.0,
        "cpu": {
            "app": {"seconds": 20.0, "processes": 6},
            "postgres": {"seconds": 4.0, "processes": 6},
            "generator": {"seconds": 2.0, "processes": 1},
        },
        "machine": {"busy": 60.0, "total": 80.0},
        "cores": 2,
    }
    line = _cpu_line(info, requests=800)
    assert "app 0.50 (6 gunicorn processes)" in line
    assert "whole machine 1.50, of which other processes 0.85" in line
    assert "CPU per request: app 25.0 ms, PostgreSQL 5.0 ms" in line


def test_the_cpu_budget_line_says_what_the_goal_leaves_per_request():
    # 50 desks made 30 req/s at 20 + 5 + 5 ms of CPU per request on 2 cores: a desk makes
    # 0.6 req/s, 200 desks 120 req/s; 30 ms a request is at most 67 req/s (111 desks), and
    # 120 req/s leave 2000 / 120 = 16.7 ms.
    results = [
        {"desks": 100, "rps": 40.0, "cores": 2, "cpu_ms": {"app": 40.0}},
        {
            "desks": 50,
            "rps": 30.0,
            "cores": 2,
            "cpu_ms": {"app": 20.0, "postgres": 5.0, "generator": 5.0},
        },
    ]
    line = bench_load._cpu_budget(results)
    assert "from the 50-desk step" in line
    assert "a desk makes 0.60 req/s, so 200 desks are about 120 req/s" in line
    assert "30.0 ms of CPU (app 20.0, PostgreSQL 5.0, load generator 5.0)" in line
    assert "2 cores serve at most about 67 req/s (about 111 desks)" in line
    assert "leave 16.7 ms of CPU per request" in line
    assert bench_load._cpu_budget([]) == "CPU budget: not measured"


def test_a_step_waits_for_the_requests_gunicorn_still_runs_after_locust_stopped(monkeypatch):
    # The lends still queued when locust stops are written after it: the step counts and cleans
    # up only once /healthz has answered and the bench accounts' rows stop changing.
    from devtools.loadtest import runner

    calls = []

    class Answer:
        def __enter__(self):
            calls.append("healthz")
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b"ok"

    monkeypatch.setattr(runner.urllib.request, "urlopen", lambda url, timeout: Answer())
    monkeypatch.setattr(runner.time, "sleep", lambda seconds: None)
    counts = iter([{"loans": 3}, {"loans": 4}, {"loans": 5}, {"loans": 5}])
    cmd = bench_load.Command()
    monkeypatch.setattr(cmd, "_load_writes", lambda: calls.append("count") or next(counts))

    cmd._drain(8000)

    assert calls == ["healthz", "count", "count", "count", "count"]
