"""Alerts written before alert mail existed: nobody was mailed about them, and their
conditions are long past. They are closed as they were (resolved, not mailed), so they
neither flood the first mails and digests nor hold a dedupe key a new alert needs.

A migration of its own: PostgreSQL refuses to alter a table in the transaction that
updated its rows while foreign-key checks are pending, so the constraints come after.
"""

from django.db import migrations, models


def _close_alerts_raised_before_mail(apps, schema_editor):
    Alert = apps.get_model("monitoring", "Alert")
    Alert.objects.update(
        last_seen_at=models.F("created_at"),
        state="resolved",
        resolved_at=models.F("created_at"),
        resolved_by="LT",
        resolution="raised before alert mail existed: not mailed",
        delivery="sent",  # nothing left to send (sent_at stays empty: it never was)
        next_attempt_at=None,
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_health_and_alert_mail")]

    operations = [
        migrations.RunPython(_close_alerts_raised_before_mail, migrations.RunPython.noop),
    ]
