"""What ``migrate`` sets up besides the tables: the cache table and the application's role.

Run after every ``migrate`` (a ``post_migrate`` handler, see ``kernel.apps``), as the role that
owns the tables:

- the cache table (``settings.CACHES`` uses the database when no CACHE_URL is set), so login
  counters and used two-factor codes are shared by every web process with no extra command;
- on PostgreSQL, when ``settings.DATABASE_APP_ROLE`` names a role: that role (the one the web
  processes and workers log in as) may read and write every table, but on the audit trail only
  SELECT and INSERT: no UPDATE, DELETE or TRUNCATE, whatever code runs as it. compose.yaml
  creates the role; README ("Database roles") says which role may do what.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.db import connections

AUDIT_TABLE = "project_auditevent"


def ensure_cache_table(*, using: str = "default") -> None:
    """Create the database cache table(s) named in ``settings.CACHES`` if missing (idempotent)."""
    call_command("createcachetable", database=using, verbosity=0)


def restrict_app_role(*, using: str = "default", role: str | None = None) -> bool:
    """Grant ``role`` (default ``settings.DATABASE_APP_ROLE``) the rights the application needs,
    and only SELECT and INSERT on the audit table. Returns False (and does nothing) on another
    database than PostgreSQL, when no role is configured or when it does not exist.

    Grants: USAGE on schema public; SELECT, INSERT, UPDATE, DELETE on every table in it;
    USAGE, SELECT on every sequence; then UPDATE, DELETE, TRUNCATE (and REFERENCES, TRIGGER)
    revoked on ``project_auditevent``. Must run as the tables' owner.
    """
    role = role if role is not None else getattr(settings, "DATABASE_APP_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return False
        quoted = connection.ops.quote_name(role)
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            f"REVOKE ALL ON {AUDIT_TABLE} FROM {quoted}",
            f"GRANT SELECT, INSERT ON {AUDIT_TABLE} TO {quoted}",
        ):
            cursor.execute(statement)
    return True


def after_migrate(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate`` handler of the kernel app: the cache table and the app role's rights."""
    ensure_cache_table(using=using)
    restrict_app_role(using=using)
