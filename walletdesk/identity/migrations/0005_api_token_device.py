from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("identity", "0004_user_security_changed_at")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="device_label",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="ip_prefix",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="region",
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
