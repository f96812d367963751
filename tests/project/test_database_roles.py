"""The role the application logs in as may add to the audit trail and read it, never empty or
change it: every ``migrate`` leaves it SELECT and INSERT only there (kernel.database), whatever
the application code asks for. TRUNCATE, which the append-only trigger cannot see, is refused too.
"""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from kernel.database import AUDIT_TABLE, after_migrate, restrict_app_role
from kernel.models import AuditAction, AuditEvent
from tests.concurrency import skip_unless_postgresql

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

APP_ROLE = "digisupport_app_test"


@pytest.fixture
def app_role(settings):
    """A role like compose.yaml's ``digisupport_app``, granted by the post-migrate step. Made and
    dropped inside the test's transaction (roles are transactional in PostgreSQL)."""
    skip_unless_postgresql("database roles and privileges")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {APP_ROLE} NOLOGIN")
    settings.DATABASE_APP_ROLE = APP_ROLE
    after_migrate(sender=None, using="default")
    return APP_ROLE


def _as_app_role(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def test_the_app_role_adds_and_reads_events_but_cannot_truncate_update_or_delete(app_role):
    event = AuditEvent.objects.create(action=AuditAction.VIEW, object_type="residents.resident")
    _as_app_role(
        f"INSERT INTO {AUDIT_TABLE} (at, username, action, object_type, summary, path, query, "
        "resident_count, resident_ids) VALUES (now(), 'staff1', 'view', 'residents.resident', "
        "'', '', '', 0, '[]')"
    )
    assert _as_app_role(f"SELECT count(*) FROM {AUDIT_TABLE}") == [(2,)]
    for sql in (
        f"TRUNCATE {AUDIT_TABLE}",
        f"UPDATE {AUDIT_TABLE} SET summary = 'edited' WHERE id = {event.pk}",
        f"DELETE FROM {AUDIT_TABLE} WHERE id = {event.pk}",
    ):
        with pytest.raises(DatabaseError, match=f"permission denied for table {AUDIT_TABLE}"):
            _as_app_role(sql)
    assert AuditEvent.objects.count() == 2


def test_the_app_role_still_works_on_every_other_table(app_role):
    # The residents table: read, add, change, delete, as the application does.
    assert _as_app_role("SELECT count(*) FROM residents_resident") == [(0,)]
    _as_app_role("UPDATE residents_resident SET notes = '' WHERE id = -1")
    _as_app_role("DELETE FROM residents_resident WHERE id = -1")
    # The cache table the login counters live in (created by migrate).
    _as_app_role("INSERT INTO kernel_cache VALUES ('k', 'v', now())")


def test_nothing_is_granted_without_a_configured_role(settings):
    skip_unless_postgresql("database roles and privileges")
    settings.DATABASE_APP_ROLE = ""
    assert restrict_app_role() is False
    assert restrict_app_role(role="no_such_role_here") is False
