"""The ledger now belongs to usage (see usage 0003): only the state changes here; the table and the
flags' foreign key constraint stay exactly as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("playground", "0004_jobs"),
        ("usage", "0003_generation_from_playground"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="flag",
                    name="generation",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="flags", to="usage.generation"
                    ),
                ),
                migrations.DeleteModel(name="Generation"),
            ],
        ),
    ]
