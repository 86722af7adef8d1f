from django.db import migrations

PROVIDERS = [("verifymy", "VerifyMy"), ("manual", "Manual review by staff")]


def seed(apps, schema_editor):
    KycProvider = apps.get_model("compliance", "KycProvider")
    for slug, name in PROVIDERS:
        KycProvider.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
