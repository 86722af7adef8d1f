from django.db import migrations

CORE_PLATFORMS = [
    ("boyfanz", "BoyFanz"),
    ("girlfanz", "GirlFanz"),
    ("pupfanz", "PupFanz"),
    ("daddiesfanz", "DaddiesFanz"),
    ("cougarfanz", "CougarFanz"),
    ("taboofanz", "TabooFanz"),
    ("transfanz", "TransFanz"),
]


def create(apps, schema_editor):
    Platform = apps.get_model("platforms", "Platform")
    for slug, name in CORE_PLATFORMS:
        Platform.objects.get_or_create(slug=slug, defaults={"name": name, "domain": f"{slug}.com"})


class Migration(migrations.Migration):
    dependencies = [("platforms", "0001_initial"), ("core", "0003_seed_currencies")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
