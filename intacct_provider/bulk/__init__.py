"""Bulk writes: thousands of records per task, sent as array requests, exactly once, resumable.

The pieces are small and mostly pure so they can be tested without a server: ``records``
(pre-flight: operator-shaped records to Intacct bodies and natural keys), ``batching``
(batches and their derived idempotency keys), ``answers`` (reading a 207 record by record),
``checkpoint`` (progress in ``task_state_store``), ``output`` (the JSON Lines results file) and
``source`` (records from a list or a JSON Lines file). ``writer`` is the one module that talks
to Intacct, through the hook's public methods.
"""
