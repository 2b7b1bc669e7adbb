"""The hourly health-history job became the retention job (monitoring.retention): an
existing schedule is renamed, so setup_schedules does not leave the old one running beside it.
"""

from django.db import migrations


def rename(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name="monitoring.compact_health_history").update(
        name="monitoring.retention", func="monitoring.tasks.apply_retention", minutes=15
    )


def rename_back(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name="monitoring.retention").update(
        name="monitoring.compact_health_history",
        func="monitoring.tasks.compact_health_history",
        minutes=60,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_retention_daily_rows"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
