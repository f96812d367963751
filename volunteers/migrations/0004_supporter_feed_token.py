from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0003_seed_skills"),
    ]

    operations = [
        migrations.AddField(
            model_name="supporter",
            name="feed_token",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=64,
                null=True,
                unique=True,
                verbose_name="calendar link key",
            ),
        ),
    ]
