"""Provider metadata read by Airflow's ProvidersManager.

The connection form is declared here as data (Airflow 3.2+), so the UI can
render the "Sage Intacct" form without importing the hook. This module must
import nothing: Airflow calls it in every process that discovers providers.
"""

from __future__ import annotations

from typing import Any

DEFAULT_BASE_URL = "https://api.intacct.com/ia/api/v1"


def get_provider_info() -> dict[str, Any]:
    """Return the provider dictionary Airflow registers (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-provider-sage-intacct",
        "name": "Sage Intacct",
        "description": "Sage Intacct (cloud accounting) REST API: AP bills, AR invoices, "
        "journal entries, vendors, customers, GL accounts and incremental syncs.",
        "integrations": [
            {
                "integration-name": "Sage Intacct",
                "external-doc-url": "https://developer.sage.com/intacct/",
                "tags": ["service"],
            }
        ],
        "operators": [
            {
                "integration-name": "Sage Intacct",
                "python-modules": [
                    "intacct_provider.operators.bulk",
                    "intacct_provider.operators.create",
                    "intacct_provider.operators.list",
                    "intacct_provider.operators.records",
                    "intacct_provider.operators.sql",
                    "intacct_provider.operators.workflow",
                ],
            }
        ],
        # Buttons on a task's page in the Airflow UI: the record in Intacct, a bulk task's results file.
        "extra-links": [
            "intacct_provider.operators.links.IntacctRecordLink",
            "intacct_provider.operators.links.IntacctResultsFileLink",
        ],
        "sensors": [
            {"integration-name": "Sage Intacct", "python-modules": ["intacct_provider.sensors.record"]},
        ],
        "triggers": [
            {"integration-name": "Sage Intacct", "python-modules": ["intacct_provider.triggers.query"]},
        ],
        # intacct://<company_id>/<application>/<object>[?entity=<id>]: see intacct_provider/assets.py.
        "asset-uris": [
            {
                "schemes": ["intacct"],
                "handler": "intacct_provider.assets.sanitize_uri",
                "factory": "intacct_provider.assets.create_asset",
                "to_openlineage_converter": "intacct_provider.assets.convert_asset_to_openlineage",
            }
        ],
        "hooks": [
            {
                "integration-name": "Sage Intacct",
                "python-modules": ["intacct_provider.hooks.intacct"],
            }
        ],
        "connection-types": [
            {
                "connection-type": "sage_intacct",
                "hook-class-name": "intacct_provider.hooks.intacct.IntacctHook",
                "hook-name": "Sage Intacct",
                "ui-field-behaviour": {
                    "hidden-fields": ["port", "schema"],
                    "relabeling": {
                        "host": "API base URL",
                        "login": "Client ID",
                        "password": "Client secret",
                    },
                    "placeholders": {
                        "host": DEFAULT_BASE_URL,
                        "login": "OAuth 2.0 client ID of your Intacct application",
                        "password": "OAuth 2.0 client secret",
                    },
                },
                "conn-fields": {
                    "company_id": {
                        "label": "Company ID",
                        "description": "Intacct company ID (the sandbox is a separate company).",
                        "schema": {"type": ["string", "null"]},
                    },
                    "user_id": {
                        "label": "User ID",
                        "description": "Web Services user; sent as <user_id>@<company_id>.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "entity_id": {
                        "label": "Entity ID",
                        "description": "Multi-entity companies only; empty means the top level.",
                        "schema": {"type": ["string", "null"]},
                    },
                    "refresh_token": {
                        "label": "Refresh token",
                        "description": "Optional: use the refresh_token grant instead of client credentials.",
                        "schema": {"type": ["string", "null"], "format": "password"},
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "description": "Read timeout per request; the connect timeout is 10 s.",
                        "schema": {"type": ["number", "null"], "minimum": 1, "default": 60},
                    },
                    "max_retries": {
                        "label": "Max retries",
                        "description": "Retries on throttling (429), gateway errors and dropped connections.",
                        "schema": {"type": ["integer", "null"], "minimum": 0, "default": 5},
                    },
                    "max_concurrency": {
                        "label": "Max concurrent requests",
                        "description": "Your performance tier's concurrent-request limit (commonly 2).",
                        "schema": {"type": ["integer", "null"], "minimum": 1, "default": 2},
                    },
                    "model_cache_seconds": {
                        "label": "Model cache (seconds)",
                        "description": "How long a worker keeps the company's model of an object (its custom "
                        "fields) before reading it again; 0 reads it once per task.",
                        "schema": {"type": ["number", "null"], "minimum": 0, "default": 900},
                    },
                },
            }
        ],
    }
