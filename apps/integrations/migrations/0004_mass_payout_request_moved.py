"""Mass payout requests now live in the payouts app (payouts 0003 copied the rows)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_ready_index"),
        ("payouts", "0003_mass_payout_request_moves_here"),
    ]

    operations = [
        migrations.DeleteModel(name="MassPayoutRequest"),
    ]
