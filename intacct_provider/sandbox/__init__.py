"""A local, stateful Sage Intacct REST server for offline tests and demos.

Importing this package is cheap and starts nothing: create an :class:`IntacctSandbox` (or run
``python -m intacct_provider.sandbox``) to serve.  The sandbox imports nothing from Airflow or from
the rest of the provider -- it is the other side of the wire.
"""

from .handle import CONN_TYPE, IntacctSandbox
from .state import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_COMPANY_ID,
    DEFAULT_TOKEN_TTL,
    DEFAULT_USER_ID,
)

__all__ = [
    "CONN_TYPE",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_COMPANY_ID",
    "DEFAULT_TOKEN_TTL",
    "DEFAULT_USER_ID",
    "IntacctSandbox",
]
