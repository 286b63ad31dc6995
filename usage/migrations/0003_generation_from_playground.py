"""The ledger moves from the playground app to usage: the model's state moves, the table does not.

Nothing is copied: usage.Generation takes over the table `playground_generation` as it stands (the
state created here is exactly the playground's), and the content type row is relabelled so the
permissions granted on generations (moderators') stay granted.
"""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models


def relabel_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="usage", model="generation").exists():
        ContentType.objects.filter(app_label="playground", model="generation").update(app_label="usage")


def relabel_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="playground", model="generation").exists():
        ContentType.objects.filter(app_label="usage", model="generation").update(app_label="playground")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_apikey"),
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("playground", "0004_jobs"),
        ("usage", "0002_rollups"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Generation",
                    fields=[
                        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ("endpoint", models.CharField(default="rest", help_text="rest, openai, stream or playground", max_length=16)),
                        ("requested_model", models.CharField(max_length=200)),
                        ("model_slug", models.CharField(max_length=200)),
                        ("upstream_id", models.CharField(blank=True, max_length=200)),
                        ("input_messages", models.JSONField(default=list)),
                        ("parameters", models.JSONField(blank=True, default=dict)),
                        ("content", models.TextField(blank=True)),
                        ("finish_reason", models.CharField(blank=True, max_length=32)),
                        ("prompt_tokens", models.PositiveIntegerField(default=0)),
                        ("completion_tokens", models.PositiveIntegerField(default=0)),
                        ("total_tokens", models.PositiveIntegerField(default=0)),
                        ("cached_tokens", models.PositiveIntegerField(default=0)),
                        ("reasoning_tokens", models.PositiveIntegerField(default=0)),
                        ("tokens_estimated", models.BooleanField(default=False)),
                        ("cost", models.DecimalField(blank=True, decimal_places=8, help_text="Null = unpriced.", max_digits=14, null=True)),
                        ("ttft_ms", models.PositiveIntegerField(blank=True, null=True)),
                        ("duration_ms", models.PositiveIntegerField(blank=True, null=True)),
                        ("status", models.CharField(choices=[("streaming", "Streaming"), ("success", "Success"), ("error", "Error"), ("timeout", "Timeout"), ("cancelled", "Cancelled")], default="success", max_length=16)),
                        ("error_code", models.CharField(blank=True, max_length=64)),
                        ("error_message", models.TextField(blank=True)),
                        ("ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("user_agent", models.CharField(blank=True, max_length=300)),
                        ("cache_hit", models.BooleanField(default=False)),
                        ("visibility", models.CharField(choices=[("private", "Private"), ("unlisted", "Anyone with the link"), ("public", "Public")], default="private", max_length=16)),
                        ("share_id", models.CharField(blank=True, max_length=32, null=True, unique=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("turn", models.PositiveIntegerField(default=0, help_text="Position of the turn in its conversation.")),
                        ("hidden", models.BooleanField(default=False)),
                        ("api_key", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="generations", to="accounts.apikey")),
                        ("conversation", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="generations", to="playground.conversation")),
                        ("model", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="catalog.aimodel")),
                        ("provider", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="catalog.provider")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="generations", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "playground_generation",
                        "ordering": ["-created_at"],
                        "permissions": [("moderate_generation", "Can flag and hide generations")],
                        "indexes": [
                            models.Index(fields=["conversation", "turn"], name="playground__convers_58e5bd_idx"),
                            models.Index(fields=["user", "created_at"], name="playground__user_id_5c854d_idx"),
                            models.Index(fields=["api_key", "created_at"], name="playground__api_key_643933_idx"),
                            models.Index(fields=["model", "created_at"], name="playground__model_i_57f715_idx"),
                            models.Index(fields=["status", "created_at"], name="playground__status_ce1a19_idx"),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_type, relabel_back),
    ]
