"""The "Sage Intacct" connection form and its Test button, driven in headless Debian chromium.

What a user sees is rendered by Airflow's React UI from the form the provider declares as
data in ``get_provider_info()``; the expectations below are read from that same declaration,
so the check follows the provider when a field is added, and fails when the UI stops
rendering something the provider declares.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from intacct_provider.get_provider_info import get_provider_info

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
]
CONN_TYPE = "sage_intacct"
UI_TIMEOUT_MS = 20_000
# The UI's own labels of the standard fields, which a hidden field must not show.
STANDARD_LABELS = {"host": "Host", "login": "Login", "password": "Password", "port": "Port", "schema": "Schema"}
# Airflow <= 3.3.2: the connection list's Test button sends ``port: Number(null)`` = 0 for a
# connection without a port, and the api-server answers 400 because 0 is not "no port"
# (apache/airflow#73298, fixed upstream in the API).  Every Sage Intacct connection has no port.
KNOWN_PORT_BUG = "The host or port to test differs from the stored connection"


@dataclass(frozen=True)
class Field:
    """One input the provider declares: where it lives in the form and what it must look like."""

    name: str
    label: str
    section: str
    placeholder: str | None = None
    description: str | None = None
    secret: bool = False
    default: Any = None


def declared_form() -> tuple[str, list[Field], list[str]]:
    """Return the hook name, the declared fields and the hidden standard fields' UI labels."""
    (conn,) = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == CONN_TYPE]
    behaviour = conn["ui-field-behaviour"]
    fields = [
        Field(
            name=name,
            label=label,
            section="Standard Fields",
            placeholder=behaviour.get("placeholders", {}).get(name),
            secret=name == "password",
        )
        for name, label in behaviour["relabeling"].items()
    ]
    fields += [
        Field(
            name=f"element_{name}",
            label=spec["label"],
            section="Extra Fields",
            description=spec.get("description"),
            secret=spec["schema"].get("format") == "password",
            default=spec["schema"].get("default"),
        )
        for name, spec in conn["conn-fields"].items()
    ]
    hidden = [STANDARD_LABELS[name] for name in behaviour["hidden-fields"]]
    return conn["hook-name"], fields, hidden


@dataclass
class ConnectionsPage:
    """Admin -> Connections of one logged-in browser session."""

    page: Page
    airflow_url: str
    artifacts: Path

    def open_add_dialog(self, conn_id: str, hook_name: str) -> Locator:
        """Press "Add Connection", type the id and pick the provider's type from the dropdown."""
        self.page.goto(f"{self.airflow_url}/connections")
        self.page.get_by_role("button", name="Add Connection").click()
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_label("Connection ID").fill(conn_id)
        dialog.get_by_role("combobox", name="Connection Type").fill(hook_name)
        self.page.get_by_role("option", name=hook_name, exact=True).click()
        return dialog

    def show_section(self, dialog: Locator, section: str) -> None:
        """Expand one accordion section; the UI keeps only one open and unmounts the others."""
        trigger = dialog.get_by_role("button", name=section, exact=True)
        if trigger.get_attribute("aria-expanded") != "true":
            trigger.click()
        expect(trigger).to_have_attribute("aria-expanded", "true")

    def field_root(self, dialog: Locator, label: str) -> Locator:
        """The field group whose label reads ``label``.

        Found through the label text because the UI does not tie the generated extra fields'
        ``<label for>`` to their inputs, so ``get_by_label`` cannot find them.
        """
        label_pattern = re.compile(rf"^\s*{re.escape(label)}\s*$")
        return dialog.locator("[data-scope=field][data-part=root]").filter(
            has=self.page.locator("label").filter(has_text=label_pattern)
        )

    def test_button(self, conn_id: str) -> Locator:
        row = self.page.get_by_role("row").filter(has_text=conn_id)
        return row.get_by_role("button", name="Test Connection")

    def toast(self, title: str) -> Locator:
        return self.page.locator("[data-scope=toast][data-part=root]").filter(has_text=title)


@contextmanager
def logged_in_page(airflow_url: str, user: str, password: str, artifacts: Path) -> Iterator[ConnectionsPage]:
    """Headless chromium (Debian's, never a downloaded build) logged in through the login form.

    Playwright starts every launch with a fresh temporary profile (user-data-dir), so no
    cookie or cached UI bundle survives from an earlier run.
    """
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1500})
            page.set_default_timeout(UI_TIMEOUT_MS)
            page.goto(f"{airflow_url}/")
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{airflow_url}/")
            yield ConnectionsPage(page, airflow_url, artifacts)
        finally:
            browser.close()


def check_form(ui: ConnectionsPage) -> str:
    """Assert the declared labels, placeholders, masks, defaults and hidden fields render.

    Returns a summary line.  Two screenshots are kept because the UI shows one accordion
    section at a time.
    """
    hook_name, fields, hidden = declared_form()
    dialog = ui.open_add_dialog("sage_intacct_form_check", hook_name)
    for section, shot in (("Standard Fields", "connection-form.png"), ("Extra Fields", "connection-form-extra.png")):
        ui.show_section(dialog, section)
        for field in (f for f in fields if f.section == section):
            root = ui.field_root(dialog, field.label)
            expect(root, f"field labelled {field.label!r}").to_have_count(1)
            control = root.locator(f"input[name={field.name}]")
            expect(control, f"input of {field.label!r}").to_be_visible()
            if field.placeholder is not None:
                expect(control).to_have_attribute("placeholder", field.placeholder)
            if field.description is not None:
                expect(root).to_contain_text(field.description)
            if field.secret:
                expect(control, f"{field.label!r} masked").to_have_attribute("type", "password")
            if field.default is not None:
                expect(control).to_have_value(str(field.default))
        if section == "Standard Fields":
            for label in hidden:
                expect(ui.field_root(dialog, label), f"hidden field {label!r}").to_have_count(0)
        ui.page.screenshot(path=str(ui.artifacts / shot))
    dialog.get_by_role("button", name="Close").click()
    return f"{len(fields)} fields as declared, {', '.join(hidden)} hidden, screenshots in {ui.artifacts}"


def add_connection(ui: ConnectionsPage, conn_id: str, connection: dict[str, Any]) -> None:
    """Fill the form like a user would (standard fields, then extras) and save it."""
    hook_name, fields, _ = declared_form()
    dialog = ui.open_add_dialog(conn_id, hook_name)
    values = {"host": connection["host"], "login": connection["login"], "password": connection["password"]}
    values |= {f"element_{key}": str(value) for key, value in connection.get("extra", {}).items()}
    for section in ("Standard Fields", "Extra Fields"):
        ui.show_section(dialog, section)
        for field in (f for f in fields if f.section == section and f.name in values):
            ui.field_root(dialog, field.label).locator(f"input[name={field.name}]").fill(values[field.name])
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(ui.page.get_by_role("row").filter(has_text=conn_id)).to_be_visible()


@dataclass(frozen=True)
class ConnectionTestOutcome:
    """What the api-server answered to the Test button and what the toast showed."""

    status: bool
    message: str
    toast: str
    worked_around_port_bug: bool


def press_test(ui: ConnectionsPage, conn_id: str) -> ConnectionTestOutcome:
    """Press the row's Test button; return the answer and the toast, working around #73298 if hit.

    When the installed Airflow still has the port bug, its exact 400 is observed first (so
    any other 400 still fails), then the request is sent again with ``port: null`` - what
    the UI means and what the fixed API accepts - so the rest of the path (api-server ->
    ``IntacctHook.test_connection`` -> Intacct -> toast) is still exercised for real.
    """
    pattern = re.compile(r"/api/v2/connections/test$")
    with ui.page.expect_response(pattern) as answer:
        ui.test_button(conn_id).click()
    response = answer.value
    worked_around = response.status == 400 and KNOWN_PORT_BUG in response.text()
    if worked_around:
        expect(ui.toast("Test Connection Failed")).to_be_visible()
        ui.page.route("**/api/v2/connections/test", _send_port_as_null)
        with ui.page.expect_response(pattern) as answer:
            ui.test_button(conn_id).click()
        ui.page.unroute("**/api/v2/connections/test")
        response = answer.value
    if response.status != 200:
        raise AssertionError(f"Test answered HTTP {response.status}: {response.text()[:500]}")
    result = response.json()
    title = "Test Connection Successful" if result["status"] else "Test Connection Failed"
    toast = ui.toast(title).filter(has_text=result["message"])
    expect(toast).to_be_visible()
    ui.page.wait_for_timeout(800)  # let the toast finish sliding in, for a readable screenshot
    ui.page.screenshot(path=str(ui.artifacts / f"test-{conn_id}.png"))
    return ConnectionTestOutcome(
        result["status"], result["message"], " ".join(toast.inner_text().split()), worked_around
    )


def _send_port_as_null(route: Route) -> None:
    body = json.loads(route.request.post_data or "{}")
    if body.get("port") == 0:
        body["port"] = None
    route.continue_(post_data=json.dumps(body))


def extra_link(ui: ConnectionsPage, task_page: str, name: str, shot: str) -> str:
    """Open a task instance's page, find its extra link button ``name``; return its href.

    Airflow 3 lists a task's extra links as buttons (``<a href>``) under "Extra Links" on the task
    instance's page (the Details tab on 3.3); a task whose link the api-server cannot resolve shows
    none.  The screenshot shows the button where a user sees it.
    """
    link = ui.page.get_by_role("link", name=name, exact=True)
    for page in (task_page, f"{task_page}/details"):  # the header (some versions) or the Details tab
        ui.page.goto(f"{ui.airflow_url}{page}")
        try:
            expect(link).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    expect(link).to_be_visible()
    link.scroll_into_view_if_needed()
    ui.page.wait_for_timeout(500)
    ui.page.screenshot(path=str(ui.artifacts / shot))
    href = link.get_attribute("href")
    if not href:
        raise AssertionError(f"the {name!r} link on {task_page} has no href")
    return href
