"""Trigger a DAG from its form in the Airflow UI (headless Debian chromium), as a user would.

The form is rendered by Airflow's UI from the DAG's ``params``: a text box per string or
integer param, a JSON editor per array.  The run id is read from the UI's own
``POST .../dagRuns`` answer, the run is awaited (through the REST API), and the run's page must
then show it as successful.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser import logged_in_page
from playwright.sync_api import Locator, Page, expect

# A page of the UI on a loaded 2-core CI machine can take tens of seconds to render.
PAGE_TIMEOUT_MS = 60_000


def trigger_from_form(
    airflow_url: str,
    user: str,
    password: str,
    dag_id: str,
    typed: dict[str, str],
    conf: dict[str, Any],
    artifacts: Path,
    wait_success: Callable[[str], None],
) -> tuple[str, Path]:
    """Type ``typed`` into the DAG's param fields, make the run's conf ``conf``, trigger, await success.

    Objects inside array params (bill lines) go through the Configuration JSON editor:
    Airflow's form shows an array of objects as a text box of one string per line ("[object
    Object]"), which cannot express an object, so a user edits such params in the JSON.  The
    conf the UI sends must be exactly ``conf`` (which holds the typed values too).  Returns the
    run id and the screenshot of the run's page showing success.
    """
    with logged_in_page(airflow_url, user, password, artifacts) as ui:
        page = ui.page
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        page.goto(f"{airflow_url}/dags/{dag_id}")
        page.get_by_role("button", name=re.compile(r"^Trigger")).first.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible(timeout=PAGE_TIMEOUT_MS)
        for name, value in typed.items():
            _fill_text(dialog, name, value)
        page.screenshot(path=str(artifacts / "trigger-form.png"))
        _replace_conf_json(page, dialog, conf)
        page.screenshot(path=str(artifacts / "trigger-form-json.png"))
        pattern = re.compile(rf"/api/v2/dags/{re.escape(dag_id)}/dagRuns$")
        with page.expect_response(lambda r: bool(pattern.search(r.url)) and r.request.method == "POST") as answer:
            dialog.get_by_role("button", name="Trigger").last.click()
        response = answer.value
        if response.status not in (200, 201):
            raise AssertionError(f"the form's trigger answered HTTP {response.status}: {response.text()[:500]}")
        sent = json.loads(response.request.post_data or "{}").get("conf") or {}
        assert sent == conf, f"the form sent conf {sent}, expected {conf}"
        run_id = str(response.json()["dag_run_id"])
        wait_success(run_id)
        shot = artifacts / "trigger-form-run-success.png"
        _show_success(page, f"{airflow_url}/dags/{dag_id}/runs/{run_id}", run_id, shot)
        return run_id, shot


def _fill_text(dialog: Locator, name: str, value: str) -> None:
    control = dialog.locator(f"[name=element_{name}]")
    expect(control, f"form field {name}").to_be_visible(timeout=PAGE_TIMEOUT_MS)
    control.fill(value)
    expect(control).to_have_value(value)


def _replace_conf_json(page: Page, dialog: Locator, conf: dict[str, Any]) -> None:
    """Replace the text of "Advanced Options" -> "Configuration JSON" (a Monaco editor).

    Typed as one line: the editor auto-closes brackets and quotes and overtypes them again on
    one line, but its auto-indent on newlines would leave stray closing brackets.
    """
    dialog.get_by_role("button", name="Advanced Options").click()
    editor = dialog.locator(".monaco-editor").first
    expect(editor, "the Configuration JSON editor").to_be_visible(timeout=PAGE_TIMEOUT_MS)
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(json.dumps(conf))


def _show_success(page: Page, run_url: str, run_id: str, shot: Path) -> None:
    """The run's page: its header (the run id) carries the state badge, which must read Success."""
    page.goto(run_url)
    heading = page.get_by_role("heading", name=re.compile(re.escape(run_id)))
    expect(heading).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    header = heading.locator("xpath=ancestor::*[.//*[normalize-space(text())='Success']][1]")
    expect(header, "the run's Success badge").to_be_visible(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_timeout(1000)  # let the task list finish rendering, for a readable screenshot
    page.screenshot(path=str(shot), full_page=True)
