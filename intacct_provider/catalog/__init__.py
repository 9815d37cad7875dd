"""What describes Intacct's objects and checks arguments, before any request.

The registry of objects (``registry``), operator arguments to bodies (``payloads``), argument
checks (``validation``), a body against Sage's contract (``body_check``), "did you mean"
(``suggest``) and the bulk pre-flight (``bulk_records``, ``bulk_fields``). Pure: no I/O, no
Airflow; it imports only :mod:`intacct_provider.exceptions` and :mod:`intacct_provider.contract`.
"""
