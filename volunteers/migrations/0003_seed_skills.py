from django.db import migrations

from volunteers.skills import STANDARD_SKILLS


def seed_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for code, name in STANDARD_SKILLS:
        # get_or_create: running again never renames a skill an administrator has edited.
        Skill.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):

    dependencies = [
        ("volunteers", "0002_supporter_profile_availability"),
    ]

    operations = [
        migrations.RunPython(seed_skills, migrations.RunPython.noop),
    ]
