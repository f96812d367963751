"""bench_load's checks: the locustfile's paths against Django's URLs, overbooking after a run,
and the cleanup of what the load wrote (with the snapshot that restores changed rows)."""

import ast
import json
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from classes.models import Registration
from devtools.loadtest import LOCUSTFILE
from devtools.loadtest.plan import ACCOUNT_PREFIX
from loans.models import Device, DeviceEvent, Loan

# The state of the last run, kept until it is restored (so a run killed half-way is undone by
# the next one).
RESTORE_FILE = "bench_load_restore.json"


def locustfile_routes(path: Path = LOCUSTFILE) -> dict[str, tuple[str, str]]:
    """``ROUTES`` of the locustfile, read without importing it (locust patches the process).

    Returns {name: (path template, URL name)}. Raises ValueError when there is no literal
    ``ROUTES = {...}`` assignment.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "ROUTES" for t in node.targets
        ):
            return {k: tuple(v) for k, v in ast.literal_eval(node.value).items()}
    raise ValueError(f"no ROUTES in {path}")


def check_routes(routes: dict[str, tuple[str, str]]) -> list[str]:
    """Routes whose path is not what Django reverses for their URL name (pk 1 for ``{pk}``)."""
    wrong = []
    for name, (template, url_name) in routes.items():
        kwargs = {"pk": 1} if "{pk}" in template else None
        expected = template.format(pk=1)
        try:
            actual = reverse(url_name, kwargs=kwargs)
        except Exception as exc:  # NoReverseMatch and friends: report, do not crash
            wrong.append(f"{name}: {url_name} does not reverse ({exc})")
            continue
        if actual != expected:
            wrong.append(f"{name}: {url_name} is {actual}, the locustfile says {expected}")
    return wrong


class CheckSteps:
    """The check and cleanup steps of the bench_load command."""

    # --- checks and cleanup ----------------------------------------------------------------

    def _load_writes(self) -> dict:
        regs = Registration.objects.filter(created_by__username__startswith=ACCOUNT_PREFIX)
        loans = Loan.objects.filter(created_by__username__startswith=ACCOUNT_PREFIX)
        return {
            "registered": regs.filter(status=Registration.Status.REGISTERED).count(),
            "waitlisted": regs.filter(status=Registration.Status.WAITLISTED).count(),
            "loans": loans.count(),
            "loans_returned": loans.filter(status=Loan.Status.RETURNED).count(),
        }

    def _overbooking(self) -> list[str]:
        """Sessions with more seated (non walk-in) registrations than seats; devices on more than
        one active loan. Walk-ins are always let in (they are in the room), so they do not count."""
        problems = []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT s.id, s.seats, COUNT(r.id)
                FROM classes_session s
                JOIN classes_registration r ON r.session_id = s.id
                WHERE s.seats IS NOT NULL AND r.status = 'registered' AND NOT r.is_walk_in
                GROUP BY s.id, s.seats
                HAVING COUNT(r.id) > s.seats
                """
            )
            for session_id, seats, taken in cursor.fetchall()[:10]:
                problems.append(f"session {session_id} has {taken} seated for {seats} seats")
            cursor.execute(
                """
                SELECT device_id, COUNT(*) FROM loans_loan WHERE status = 'active'
                GROUP BY device_id HAVING COUNT(*) > 1
                """
            )
            for device_id, n in cursor.fetchall()[:10]:
                problems.append(f"device {device_id} is on {n} active loans")
        return problems

    def _snapshot(self, plan: dict, out: Path) -> dict:
        """What the staff day changes in place: attendance marks and the lent devices' rows.
        Also written to a file, so a run killed half-way is restored by the next one."""
        session_ids = {s for a in plan["accounts"] for s in a["attendance_sessions"]}
        device_ids = {slot["device"] for a in plan["accounts"] for slot in a["loan_slots"]}
        fields = [f.attname for f in Device._meta.concrete_fields if not f.primary_key]
        snapshot = {
            "attendance": list(
                Registration.objects.filter(session_id__in=session_ids).values_list(
                    "id", "attendance"
                )
            ),
            "devices": [
                {k: _jsonable(v) for k, v in row.items()}
                for row in Device.objects.filter(pk__in=device_ids).values("pk", *fields)
            ],
        }
        (out / RESTORE_FILE).write_text(json.dumps(snapshot), encoding="utf-8")
        return snapshot

    def _restore(self, out: Path) -> None:
        leftover = out / RESTORE_FILE
        snapshot = json.loads(leftover.read_text()) if leftover.exists() else None
        self._cleanup(snapshot)
        leftover.unlink(missing_ok=True)

    @transaction.atomic
    def _cleanup(self, snapshot: dict | None = None) -> None:
        """Remove what the bench accounts wrote; restore the snapshot's rows when given."""
        by_bench = Q(created_by__username__startswith=ACCOUNT_PREFIX)
        for loan in Loan.objects.filter(by_bench).select_related("device"):
            if snapshot is None and loan.status == Loan.Status.ACTIVE:
                # No snapshot (a killed run): the device was available before it was lent.
                Device.objects.filter(pk=loan.device_id).update(status=Device.Status.AVAILABLE)
            # A bench artefact, not a deletion to audit: kernel.audit reads this flag (an ad hoc
            # attribute, as privacy.services sets it).
            loan._audit_skip = True  # type: ignore[attr-defined]
            loan.delete()
        DeviceEvent.objects.filter(by__username__startswith=ACCOUNT_PREFIX).delete()
        Registration.objects.filter(by_bench).delete()
        if not snapshot:
            return
        by_value: dict[str, list[int]] = {}
        for reg_id, attendance in snapshot["attendance"]:
            by_value.setdefault(attendance, []).append(reg_id)
        for attendance, ids in by_value.items():
            Registration.objects.filter(pk__in=ids).update(attendance=attendance)
        for row in snapshot["devices"]:
            row = dict(row)
            pk = row.pop("pk")
            Device.objects.filter(pk=pk).update(**row)


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
