"""The ledger's own names: `door` for where a call came in, and no fields that nothing used.

RENAME COLUMN and DROP COLUMN change the catalog only: PostgreSQL rewrites no row for either.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("usage", "0003_generation_from_playground"),
    ]

    operations = [
        migrations.RenameField(model_name="generation", old_name="endpoint", new_name="door"),
        migrations.AlterField(
            model_name="generation",
            name="door",
            field=models.CharField(
                choices=[
                    ("rest", "REST API"),
                    ("stream", "REST event stream"),
                    ("openai", "OpenAI-compatible API"),
                    ("playground", "Playground"),
                    ("video", "Video job"),
                    ("batch", "Batch job"),
                ],
                default="rest",
                max_length=16,
            ),
        ),
        migrations.RemoveField(model_name="generation", name="visibility"),
        migrations.RemoveField(model_name="generation", name="share_id"),
        migrations.AlterField(
            model_name="generation",
            name="status",
            field=models.CharField(
                choices=[("success", "Success"), ("error", "Error"), ("timeout", "Timeout"), ("cancelled", "Cancelled")],
                default="success",
                max_length=16,
            ),
        ),
    ]
