"""Every write of the integrations app, one module per concern:

- ``ingest``         — storing signed events exactly once, and handing them to the workers
- ``processing``     — claiming stored events and running their handlers, retries, replay
- ``handlers``       — what each event type does (ledger entries, holds, user changes, ...)
- ``users``          — platform users synced from a platform (``sync/user``, user events)
- ``links``          — a platform's request to link an existing account, confirmed or rejected
  by its owner or staff
- ``reconciliation`` — a platform's own earnings figures compared with the ledger
- ``reviews``        — staff reviews: earnings reports resolved, security events acknowledged
"""
