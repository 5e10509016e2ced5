from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("identity", "0003_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="security_changed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
