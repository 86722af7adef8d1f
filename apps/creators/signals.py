"""What happens to a creator, for apps above this one to act on (the outbound webhooks tell
the creator's platforms). Sent by ``services.py`` inside the transaction of the change, so a
receiver's writes commit or roll back with it."""

from django.dispatch import Signal

# creator, status, previous_status
creator_status_changed = Signal()
# creator, kyc_level, previous_kyc_level
creator_kyc_changed = Signal()
