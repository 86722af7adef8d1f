"""Every write of the payouts app, one module per concern:

- ``methods``    — payout methods (sealed details) and schedules; instant payout requests
- ``batches``    — building batches (schedule, by hand, mass requests), approval, cancellation
- ``ledger``     — the only code that moves a payout's money (reserve, settle, return)
- ``submission`` — claiming and submitting payouts to processors, marking them paid/failed
- ``files``      — bank files exported for an operator, and result files reconciled
- ``callbacks``  — signed processor callbacks (the sandbox processor's), applied once
"""
