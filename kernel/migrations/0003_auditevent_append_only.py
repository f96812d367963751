"""Make the audit trail append-only in the database itself (PostgreSQL).

A trigger refuses every UPDATE and DELETE of project_auditevent, whoever asks (the app, the admin,
a psql session with the app's role). TRUNCATE is left alone: the test runner empties tables with
it, and only the table owner may truncate. On SQLite this migration does nothing: the model and
its queryset refuse changes there (see kernel.models.AuditEvent).
"""

from django.db import migrations

CREATE = (
    """
CREATE OR REPLACE FUNCTION project_auditevent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER project_auditevent_append_only
    BEFORE UPDATE OR DELETE ON project_auditevent
    FOR EACH ROW EXECUTE FUNCTION project_auditevent_refuse_change()
""",
)

DROP = (
    "DROP TRIGGER IF EXISTS project_auditevent_append_only ON project_auditevent",
    "DROP FUNCTION IF EXISTS project_auditevent_refuse_change()",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            # params=None: the statement is sent as is ("%" in RAISE is not a placeholder).
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("project", "0002_auditevent"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
