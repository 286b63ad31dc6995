from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("playground", "0005_generation_moved_to_usage"),
        ("usage", "0004_generation_door"),
    ]

    operations = [
        migrations.RenameField(model_name="videojob", old_name="endpoint", new_name="door"),
        migrations.AlterField(
            model_name="videojob",
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
    ]
