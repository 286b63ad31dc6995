# Each user's last active day comes from the per-day activity already rolled up. Days have no mark
# until the next rollup (the beat task's, within five minutes): until then today is read from the
# ledger as before.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_account_export'),
        ('usage', '0008_ledger_is_the_truth'),
    ]

    operations = [
        migrations.CreateModel(
            name='LastActiveDay',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('day', models.DateField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name='RollupMark',
            fields=[
                ('day', models.DateField(primary_key=True, serialize=False)),
                ('through', models.DateTimeField()),
            ],
        ),
        migrations.RunSQL(
            "INSERT INTO usage_lastactiveday (user_id, day) SELECT user_id, MAX(day) FROM usage_userday GROUP BY user_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
