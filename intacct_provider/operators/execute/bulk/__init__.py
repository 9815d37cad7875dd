"""The bulk operators' task machinery: thousands of records per task, exactly once, resumable.

``run`` drives one task: records from ``source`` (a list or a JSON Lines file), pre-flight by
:mod:`intacct_provider.catalog.bulk_records`, batches of :mod:`intacct_provider.core.batching`
written by the write engine (:mod:`intacct_provider.hooks.writes`), progress kept in ``task_state_store``
(``checkpoint``), bodies spooled to disk (``spool``) and one row per record in the results file
(``results``).
"""
