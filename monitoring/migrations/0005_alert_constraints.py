from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_alerts_raised_before_mail")]

    operations = [
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(('delivery__in', ['pending', 'sending', 'sent', 'failed'])), name='lt_alerts_delivery'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['open', 'acknowledged', 'resolved'])), name='lt_alerts_state'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.CheckConstraint(condition=models.Q(('count__gte', 1)), name='lt_alerts_count_positive'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(models.Q(('dedupe_key', ''), _negated=True), models.Q(('state', 'resolved'), _negated=True)), fields=('dedupe_key',), name='lt_alerts_one_open_per_key'),
        ),
    ]
