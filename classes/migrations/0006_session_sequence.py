from django.db import migrations, models


class Migration(migrations.Migration):
    # Depends on the leaf present when it was written (0005_series), so the graph has one leaf.
    dependencies = [
        ("classes", "0005_series"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="revision"),
        ),
    ]
