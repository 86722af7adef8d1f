from django.db import migrations


def seed(apps, schema_editor):
    from apps.core.currencies import ISO_4217

    Currency = apps.get_model("core", "Currency")
    for code, name, exponent in ISO_4217:
        Currency.objects.update_or_create(code=code, defaults={"name": name, "exponent": exponent})


class Migration(migrations.Migration):
    dependencies = [("core", "0002_currency")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
