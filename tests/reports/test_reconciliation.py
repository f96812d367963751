"""Every figure of the monthly and fiscal-year reports, counted again here with plain SQL
written from the definitions in docs/report_figures.md (not from the report code), for the
program of ``program_fixture`` and for demo data: the report and the SQL must agree cell for
cell, and every row the report prints must have a count here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.utils import timezone

from reports.figures import (
    AGE_BANDS,
    TOKYO,
    Period,
    fiscal_year_period,
    month_period,
    months_of,
    report_figures,
)
from tests.reports.program_fixture import AS_OF, build_program, jst

pytestmark = pytest.mark.django_db


def _param(value):
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def rows(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [_param(p) for p in params])
        return cursor.fetchall()


def one(sql: str, *params):
    return rows(sql, *params)[0][0] or 0


def _dt(value) -> datetime:
    """A datetime column as read back: a datetime (PostgreSQL) or UTC text (SQLite)."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _dec(value, places="0.1"):
    return None if value is None else Decimal(value).quantize(Decimal(places), ROUND_HALF_UP)


def _pct(part, whole):
    return None if not whole else _dec(Decimal(part) * 100 / Decimal(whole))


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((born.month, born.day) > (on.month, on.day))


def _band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for key, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return key
    raise AssertionError(age)


# "Held": not cancelled, started in the period and before the report was made.
HELD = "s.status = 'scheduled' AND s.starts_at >= %s AND s.starts_at < %s AND s.starts_at < %s"
ATTENDED = "r.attendance = 'attended' AND r.status <> 'cancelled'"
WITH_SEAT = "r.status = 'registered'"
# Visits without names at a session: counted salon walk-ins plus anonymous desk walk-ups.
WALK_INS = (
    "s.walk_in_count + (SELECT COUNT(*) FROM classes_consultation c "
    "WHERE c.session_id = s.id AND c.resident_id IS NULL)"
)


def expected_figures(period: Period, as_of: datetime) -> dict[tuple[str, str], tuple]:
    """{(table key, row key): values} of every figure, from SQL and the definitions."""
    start_at, end_before = period.start_at, period.end_before
    held_until = min(end_before, as_of)
    held = (start_at, end_before, held_until)
    e: dict[tuple[str, str], tuple] = {}

    # --- sessions ---
    in_period = "s.starts_at >= %s AND s.starts_at < %s"
    s_held = one(f"SELECT COUNT(*) FROM classes_session s WHERE {HELD}", *held)
    planned = one(
        f"SELECT COUNT(*) FROM classes_session s WHERE {in_period} AND s.status = 'scheduled' "
        "AND s.starts_at >= %s",
        start_at,
        end_before,
        held_until,
    )
    cancelled = one(
        f"SELECT COUNT(*) FROM classes_session s WHERE {in_period} AND s.status = 'cancelled'",
        start_at,
        end_before,
    )
    seats = one(f"SELECT SUM(s.seats) FROM classes_session s WHERE {HELD}", *held)
    reg = "FROM classes_registration r JOIN classes_session s ON s.id = r.session_id WHERE " + HELD

    def regs(condition: str, extra: str = "", *params) -> int:
        return one(f"SELECT COUNT(*) {reg} AND {condition} {extra}", *held, *params)

    filled = regs(WITH_SEAT, "AND s.seats IS NOT NULL")
    attended = regs(ATTENDED)
    walk_ins = one(f"SELECT SUM({WALK_INS}) FROM classes_session s WHERE {HELD}", *held)
    e["sessions_summary", "held"] = (s_held,)
    e["sessions_summary", "planned"] = (planned,)
    e["sessions_summary", "cancelled"] = (cancelled,)
    e["sessions_summary", "seats_offered"] = (seats,)
    e["sessions_summary", "seats_filled"] = (filled,)
    e["sessions_summary", "fill"] = (_pct(filled, seats),)
    e["sessions_summary", "waitlisted"] = (regs("r.status = 'waitlisted'"),)
    e["sessions_summary", "no_shows"] = (regs(WITH_SEAT, "AND r.attendance = 'absent'"),)
    e["sessions_summary", "attended"] = (attended,)
    e["sessions_summary", "named_walk_ins"] = (regs(ATTENDED, "AND r.is_walk_in"),)
    e["sessions_summary", "walk_ins"] = (walk_ins,)
    e["sessions_summary", "attendances_total"] = (attended + walk_ins,)

    def by(column: str, table: str, keys):
        total = [0] * 6
        for key in keys:
            match = f"AND s.{column} = %s" if key is not None else f"AND s.{column} IS NULL"
            args = () if key is None else (key,)
            values = (
                one(f"SELECT COUNT(*) FROM classes_session s WHERE {HELD} {match}", *held, *args),
                one(
                    f"SELECT SUM(s.seats) FROM classes_session s WHERE {HELD} {match}", *held, *args
                ),
                regs(WITH_SEAT, f"AND s.seats IS NOT NULL {match}", *args),
                regs(ATTENDED, match, *args),
                one(
                    f"SELECT SUM({WALK_INS}) FROM classes_session s WHERE {HELD} {match}",
                    *held,
                    *args,
                ),
                regs(WITH_SEAT, f"AND r.attendance = 'absent' {match}", *args),
            )
            if values[0]:
                e[table, str(key)] = values
                total = [a + b for a, b in zip(total, values, strict=True)]
        e[table, "total"] = tuple(total)

    def distinct(column: str):
        return [
            v
            for (v,) in rows(
                f"SELECT DISTINCT s.{column} FROM classes_session s WHERE {HELD}", *held
            )
        ]

    by("kind", "sessions_by_kind", distinct("kind"))
    by("venue_id", "sessions_by_venue", distinct("venue_id"))
    by("topic_id", "sessions_by_topic", distinct("topic_id"))

    total = [0, 0, 0, 0]
    for y, m in months_of(period):
        first = max(datetime(y, m, 1, tzinfo=TOKYO), start_at)
        nxt = datetime(y + m // 12, m % 12 + 1, 1, tzinfo=TOKYO)
        month_held = (first, min(nxt, end_before), held_until)
        n = one(f"SELECT COUNT(*) FROM classes_session s WHERE {HELD}", *month_held)
        named = one(f"SELECT COUNT(*) {reg} AND {ATTENDED}", *month_held)
        walk = one(f"SELECT SUM({WALK_INS}) FROM classes_session s WHERE {HELD}", *month_held)
        e["attendance_by_month", f"{y}-{m:02d}"] = (n, named, walk, named + walk)
        total = [a + b for a, b in zip(total, (n, named, walk, named + walk), strict=True)]
    e["attendance_by_month", "total"] = tuple(total)

    # --- participants ---
    visits = rows(
        f"SELECT r.resident_id, s.starts_at, p.birth_date, p.district, p.household {reg} "
        f"AND {ATTENDED}".replace(
            "WHERE", "JOIN residents_resident p ON p.id = r.resident_id WHERE"
        ),
        *held,
    )
    people = {v[0]: v[2:] for v in visits}
    before = {
        rid
        for (rid,) in rows(
            "SELECT DISTINCT r.resident_id FROM classes_registration r JOIN classes_session s "
            f"ON s.id = r.session_id WHERE s.status = 'scheduled' AND s.starts_at < %s AND {ATTENDED}",
            start_at,
        )
    }
    first_time = {rid for rid in people if rid not in before}
    e["participants_summary", "attended"] = (len(visits),)
    e["participants_summary", "unique"] = (len(people),)
    e["participants_summary", "first_time"] = (len(first_time),)
    dims = {
        "age_band": (
            lambda v: _band(_age(_day(v[2]) if v[2] else None, _dt(v[1]).astimezone(TOKYO).date())),
            lambda p: _band(_age(_day(p[0]) if p[0] else None, period.end)),
        ),
        "district": (lambda v: v[3] or "-", lambda p: p[1] or "-"),
        "household": (lambda v: v[4] or "-", lambda p: p[2] or "-"),
    }
    for dim, (visit_key, person_key) in dims.items():
        counts: dict[str, list[int]] = {}
        for v in visits:
            counts.setdefault(visit_key(v), [0, 0, 0])[0] += 1
        for rid, p in people.items():
            c = counts.setdefault(person_key(p), [0, 0, 0])
            c[1] += 1
            c[2] += rid in first_time
        if dim == "age_band":
            for key, _low, _high in AGE_BANDS:
                counts.setdefault(key, [0, 0, 0])
            counts.setdefault("unknown", [0, 0, 0])
        for key, values in counts.items():
            e[f"participants_by_{dim}", key] = tuple(values)
        e[f"participants_by_{dim}", "total"] = (len(visits), len(people), len(first_time))

    # --- consultations: attended registrations at held desks, plus anonymous walk-ups ---
    desk = f"{HELD} AND s.kind = 'consultation'"
    named_rows = rows(
        "SELECT (SELECT c.category FROM classes_consultation c WHERE c.session_id = r.session_id "
        "AND c.resident_id = r.resident_id ORDER BY c.slot_start LIMIT 1), "
        "(SELECT c.resolved FROM classes_consultation c WHERE c.session_id = r.session_id "
        "AND c.resident_id = r.resident_id ORDER BY c.slot_start LIMIT 1) "
        f"FROM classes_registration r JOIN classes_session s ON s.id = r.session_id "
        f"WHERE {desk} AND {ATTENDED}",
        *held,
    )
    anonymous = rows(
        "SELECT c.category, c.resolved FROM classes_consultation c JOIN classes_session s "
        f"ON s.id = c.session_id WHERE {desk} AND c.resident_id IS NULL",
        *held,
    )
    consult: dict[str, list[int]] = {}
    for category, resolved in named_rows:
        c = consult.setdefault(category or "-", [0, 0, 0])
        c[0] += 1
        c[2] += bool(resolved)
    for category, resolved in anonymous:
        c = consult.setdefault(category or "-", [0, 0, 0])
        c[0] += 1
        c[1] += 1
        c[2] += bool(resolved)
    for key in ("-", "basic", "calls_camera", "line", "my_number", "scam", "apps", "other"):
        e["consultations_by_category", key] = tuple(consult.get(key, [0, 0, 0]))
    e["consultations_by_category", "total"] = tuple(
        sum(v[i] for v in consult.values()) for i in range(3)
    )

    # --- loans: the figures' day is the period's last day, or today while it runs ---
    today = as_of.astimezone(TOKYO).date()
    day = min(period.end, today)
    ends = "COALESCE(l.returned_on, l.due_date)"
    active = (
        f"l.start_date <= %s AND (l.status = 'active' OR (l.status <> 'active' AND {ends} > %s))"
    )
    ended_in = f"l.status <> 'active' AND {ends} >= %s AND {ends} <= %s"
    ran = f"l.start_date <= %s AND (l.status = 'active' OR {ends} >= %s)"

    def loans(condition: str, *params, what: str = "COUNT(*)"):
        return one(f"SELECT {what} FROM loans_loan l WHERE {condition}", *params)

    with_outcome = loans(f"{ended_in} AND l.outcome NOT IN ('', 'extended')", period.start, day)
    own = loans(f"{ended_in} AND l.outcome = 'own_device'", period.start, day)
    e["loans_summary", "active"] = (loans(active, day, day),)
    e["loans_summary", "started"] = (
        loans("l.start_date >= %s AND l.start_date <= %s", period.start, day),
    )
    e["loans_summary", "returned"] = (
        loans(f"{ended_in} AND l.status = 'returned'", period.start, day),
    )
    e["loans_summary", "lost"] = (loans(f"{ended_in} AND l.status = 'lost'", period.start, day),)
    e["loans_summary", "overdue"] = (loans(f"{active} AND l.due_date < %s", day, day, day),)
    if day == period.end:
        e["loans_summary", "overdue_today"] = (
            loans("l.status = 'active' AND l.due_date < %s", today),
        )
    e["loans_summary", "renewals"] = (loans(ran, day, period.start, what="SUM(l.renewals)"),)
    e["loans_summary", "renewed"] = (loans(f"{ran} AND l.renewals > 0", day, period.start),)
    e["loans_summary", "own_share"] = (_pct(own, with_outcome),)
    outcomes = dict(
        rows(
            f"SELECT l.outcome, COUNT(*) FROM loans_loan l WHERE {ended_in} GROUP BY l.outcome",
            period.start,
            day,
        )
    )
    for key in ("-", "own_device", "returned_without", "other_program", "extended", "lost"):
        e["loans_by_outcome", key] = (outcomes.get("" if key == "-" else key, 0),)
    e["loans_by_outcome", "total"] = (sum(outcomes.values()),)
    check_ins = rows(
        "SELECT k.loan_id, k.satisfaction, k.functions_used FROM loans_loancheckin k "
        'WHERE k."on" >= %s AND k."on" <= %s',
        period.start,
        period.end,
    )
    e["loan_follow_ups", "check_ins"] = (len(check_ins),)
    e["loan_follow_ups", "loans"] = (len({k[0] for k in check_ins}),)
    e["loan_follow_ups", "satisfaction_avg"] = (
        _dec(Decimal(sum(k[1] for k in check_ins)) / len(check_ins), "0.01") if check_ins else None,
    )
    for n in range(1, 6):
        e["loan_follow_ups", f"satisfaction_{n}"] = (sum(k[1] == n for k in check_ins),)
    for f in ("calls", "line", "camera", "maps", "my_number", "health"):
        e["loan_follow_ups", f"uses_{f}"] = (sum(f in (k[2] or "").split(",") for k in check_ins),)

    # --- outcomes: each resident's latest self-assessment per point in the period, up to the day
    # the report is made; an item pairs with the latest first-contact answer to it by that day ---
    skill_end = min(period.end, today)
    asked = rows(
        "SELECT a.id, a.resident_id, a.point, a.asked_on, a.uses_smartphone "
        "FROM residents_skillassessment a WHERE a.asked_on >= %s AND a.asked_on <= %s",
        period.start,
        skill_end,
    )
    every_answer = rows(
        "SELECT a.resident_id, a.point, a.asked_on, a.id, x.item_id, x.level "
        "FROM residents_skillanswer x JOIN residents_skillassessment a ON a.id = x.assessment_id"
    )
    latest: dict[str, dict[int, tuple]] = {"before": {}, "after": {}, "follow_up": {}}
    for a in sorted(asked, key=lambda a: (_day(a[3]), a[0])):
        latest[a[2]][a[1]] = a  # later ones replace earlier ones
    answers_of: dict[int, dict[int, str]] = {}
    for _rid, _point, _on, aid, item_id, level in every_answer:
        answers_of.setdefault(aid, {})[item_id] = level

    def before_answer(resident_id, on, item_id):
        found = [
            (_day(x[2]), x[3], x[5])
            for x in every_answer
            if x[0] == resident_id and x[1] == "before" and x[4] == item_id and _day(x[2]) <= on
        ]
        return max(found)[2] if found else None

    def pairs(point):
        out: dict[int, list[tuple[str, str, int]]] = {}
        for a in latest[point].values():
            for item_id, level in answers_of.get(a[0], {}).items():
                before = before_answer(a[1], _day(a[3]), item_id)
                if before is not None:
                    out.setdefault(item_id, []).append((before, level, a[1]))
        return out

    after_pairs, follow_pairs = pairs("after"), pairs("follow_up")
    follow = list(latest["follow_up"].values())
    using = sum(a[4] == "yes" for a in follow)
    e["skills_summary", "asked_before"] = (len(latest["before"]),)
    e["skills_summary", "asked_after"] = (len(latest["after"]),)
    e["skills_summary", "after_with_before"] = (
        len({p[2] for ps in after_pairs.values() for p in ps}),
    )
    e["skills_summary", "asked_follow_up"] = (len(follow),)
    e["skills_summary", "follow_up_with_before"] = (
        sum(
            bool(
                one(
                    "SELECT COUNT(*) FROM residents_skillassessment b WHERE b.resident_id = %s "
                    "AND b.point = 'before' AND b.asked_on <= %s",
                    a[1],
                    _day(a[3]),
                )
            )
            for a in follow
        ),
    )
    e["skills_summary", "still_using"] = (using,)
    e["skills_summary", "still_using_share"] = (_pct(using, len(follow)),)
    for item_id, code, active in rows("SELECT id, code, is_active FROM residents_skillitem"):
        a, f = after_pairs.get(item_id, []), follow_pairs.get(item_id, [])
        if not (active or a or f):
            continue
        e["skills_by_item", code] = (
            len(a),
            _pct(sum(p[0] == "can" for p in a), len(a)),
            _pct(sum(p[1] == "can" for p in a), len(a)),
            len(f),
            _pct(sum(p[0] == "can" for p in f), len(f)),
            _pct(sum(p[1] == "can" for p in f), len(f)),
        )
    by_loan: dict[str, list[int]] = {}
    for a in follow:
        loan = rows(
            "SELECT l.status, l.outcome FROM loans_loan l WHERE l.resident_id = %s "
            "AND l.start_date <= %s ORDER BY l.start_date DESC, l.id DESC LIMIT 1",
            a[1],
            _day(a[3]),
        )
        if not loan:
            key = "no_loan"
        elif loan[0][0] == "active":
            key = "on_loan"
        else:
            key = loan[0][1] or "-"
        c = by_loan.setdefault(key, [0, 0])
        c[0] += 1
        c[1] += a[4] == "yes"
    loan_keys = ("no_loan", "on_loan", "-", "own_device", "returned_without", "other_program")
    for key in (*loan_keys, "extended", "lost"):
        e["skills_follow_up_by_loan", key] = tuple(by_loan.get(key, [0, 0]))
    e["skills_follow_up_by_loan", "total"] = (len(follow), using)
    can_counts = [
        sum(level == "can" for level in answers_of.get(a[0], {}).values())
        for a in latest["after"].values()
    ]

    # --- supporters: proposed or confirmed assignments on held sessions ---
    assignments = rows(
        "SELECT a.supporter_id, a.session_id, a.approved_minutes, a.hours_approved_at, "
        "a.checked_in_at, a.checked_out_at, p.kind, p.organisation FROM volunteers_assignment a "
        "JOIN classes_session s ON s.id = a.session_id JOIN volunteers_supporter p "
        f"ON p.id = a.supporter_id WHERE {HELD} AND a.status IN ('proposed', 'confirmed')",
        *held,
    )

    def minutes(a) -> Decimal:
        if a[3] is not None and a[2] is not None:
            return Decimal(a[2])
        if a[4] is not None and a[5] is not None:
            return Decimal(str((_dt(a[5]) - _dt(a[4])).total_seconds())) / 60
        return Decimal(0)

    def staff(group) -> tuple:
        hours = _dec(sum((minutes(a) for a in group), Decimal(0)) / 60)
        return (len({a[0] for a in group}), len({a[1] for a in group}), hours)

    for table, index in (("supporters_by_kind", 6), ("supporters_by_organisation", 7)):
        for key in {a[index] for a in assignments}:
            e[table, key or "-"] = staff([a for a in assignments if a[index] == key])
        e[table, "total"] = staff(assignments)
    slots = rows(
        "SELECT s.kind, s.supporters_needed, (SELECT COUNT(*) FROM volunteers_assignment a "
        "WHERE a.session_id = s.id AND a.status IN ('proposed', 'confirmed')) "
        f"FROM classes_session s WHERE {HELD}",
        *held,
    )
    slot_total = [0, 0, 0]
    for kind in {s[0] for s in slots}:
        needed = sum(s[1] for s in slots if s[0] == kind)
        unfilled = sum(max(s[1] - s[2], 0) for s in slots if s[0] == kind)
        e["supporter_slots", kind] = (needed, needed - unfilled, unfilled)
        slot_total = [
            a + b for a, b in zip(slot_total, (needed, needed - unfilled, unfilled), strict=True)
        ]
    e["supporter_slots", "total"] = tuple(slot_total)

    # --- KPIs: the actuals are the figures above ---
    e["kpis", "classes_held"] = (
        e["sessions_by_kind", "class"][:1] if ("sessions_by_kind", "class") in e else (0,)
    )
    e["kpis", "participants_unique"] = e["participants_summary", "unique"]
    e["kpis", "loans_started"] = e["loans_summary", "started"]
    e["kpis", "loan_ownership_rate"] = e["loans_summary", "own_share"]
    e["kpis", "supporter_hours"] = e["supporters_by_kind", "total"][2:]
    for (code,) in rows("SELECT code FROM reports_kpi WHERE code LIKE 'skills_after_%%'"):
        n = int(code.rsplit("_", 1)[1])
        e["kpis", code] = (_pct(sum(c >= n for c in can_counts), len(can_counts)),)
    for (code,) in rows("SELECT code FROM reports_kpi"):
        e.setdefault(("kpis", code), (None,))  # not computed from the program's data: "—"
    return e


def assert_report_reconciles(period: Period, as_of: datetime) -> int:
    """Compare every cell of the report with the SQL counts; return how many were checked."""
    figures = report_figures(period=period, as_of=as_of)
    expected = expected_figures(period, as_of)
    checked = 0
    for section in figures.sections:
        for table in section.tables:
            for row in table.all_rows():
                key = (table.key, row.key)
                assert key in expected, f"no count written for {key}: add it to the definitions"
                values = row.values
                if table.key == "kpis":
                    values = (values[3],)  # the actual; unit, baseline and target are settings
                assert values == expected[key], (key, values, expected[key])
                checked += len(values)
    return checked


@pytest.mark.parametrize(
    ("period", "as_of"),
    [
        (fiscal_year_period(2027), AS_OF),
        (month_period(2028, 2), AS_OF),
        (month_period(2027, 10), AS_OF),
        # While the year runs: planned sessions, loan figures "so far".
        (fiscal_year_period(2027), jst(2028, 2, 29, 9, 0)),
    ],
    ids=["fiscal-year", "leap-month", "consultation-month", "year-not-ended"],
)
def test_every_figure_agrees_with_sql_from_the_definitions(period, as_of):
    build_program()
    assert assert_report_reconciles(period, as_of) > 100


def test_demo_programs_fiscal_year_and_month_reconcile(time_machine):
    from devtools.demo.builder import seed_demo

    today = date(2026, 12, 16)
    time_machine.move_to(datetime(2026, 12, 16, 18, 0, tzinfo=TOKYO))
    seed_demo(today=today)
    as_of = timezone.now()
    assert assert_report_reconciles(fiscal_year_period(2026), as_of) > 300
    assert assert_report_reconciles(month_period(2026, 11), as_of) > 300
    figures = report_figures(period=fiscal_year_period(2026), as_of=as_of)
    # The demo's consultation desks and follow-up calls show in the report, as recorded.
    assert figures.value("consultations_by_category", "total") > 0
    assert figures.value("loan_follow_ups", "check_ins") > 0
    desk = (
        figures.value("sessions_by_kind", "consultation", 3),
        figures.value("sessions_by_kind", "consultation", 4),
    )
    assert figures.value("consultations_by_category", "total") == sum(desk)
    # Three loans are overdue today, as on the dashboard; the period has not ended.
    assert figures.value("loans_summary", "overdue") == 3
    assert "the period has not ended" in figures.table("loans_summary").rows[4].label
