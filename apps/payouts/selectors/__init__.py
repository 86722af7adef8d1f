"""Every non-trivial read of the payouts app:

- ``payouts``     — batches, payouts, their totals and ledger trail (staff screens, the API)
- ``eligibility`` — whether and how much a creator can be paid now, and why not
- ``fx``          — exchange rates in force at an instant
"""
