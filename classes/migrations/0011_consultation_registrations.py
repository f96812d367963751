"""Named consultation bookings made before bookings held a registration get one, so the reports
count every consultation from registrations (attended when its category or outcome was
recorded)."""

from django.db import migrations


def forwards(apps, schema_editor):
    Consultation = apps.get_model("classes", "Consultation")
    Registration = apps.get_model("classes", "Registration")
    for consultation in Consultation.objects.filter(resident__isnull=False).iterator():
        active = Registration.objects.filter(
            session_id=consultation.session_id, resident_id=consultation.resident_id
        ).exclude(status="cancelled")
        recorded = bool(consultation.category) or consultation.resolved
        if active.exists():
            if recorded:
                active.filter(attendance="").update(attendance="attended")
            continue
        Registration.objects.create(
            session_id=consultation.session_id,
            resident_id=consultation.resident_id,
            status="registered",
            attendance="attended" if recorded else "",
        )


class Migration(migrations.Migration):
    dependencies = [("classes", "0010_registration_queued_at")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
