"""Under the Content-Security-Policy (no inline script or style), the pages log no violation.

Real Chromium: the dashboard, a note page (its htmx-loaded notices, its as-of form
and its server-rendered SVG chart), the failed-jobs page, the holder portal, and
Django admin. Any "Refused to ..." console message or securitypolicyviolation
event fails the test; htmx is shown to work by what it loads.
"""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from notes.services import servicing
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation and console error it reports collected."""
    messages = []
    page.on(
        "console",
        lambda msg: messages.append(msg.text)
        if msg.type == "error" or "Content Security Policy" in msg.text
        else None,
    )
    page.add_init_script(RECORD_VIOLATIONS)

    def violations():
        events = page.evaluate("window.__cspViolations || []")
        return events + [m for m in messages if "Content Security Policy" in m
                         or "Refused to" in m]

    page.violations = violations
    return page


@pytest.fixture
def note(holder_user):
    _user, holder = holder_user
    note = NoteFactory(number="ATS06-001", holder=holder, principal=Decimal("250000.00"),
                       issue_date=date(2006, 7, 20))
    servicing.statements_generate(
        id_from=note.pk, id_to=note.pk, as_of=date(2007, 3, 1), run_id=None
    )
    return note


def test_staff_pages_log_no_violation_and_htmx_works(login, watched, finance_user, note,
                                                      live_server):
    page = watched
    login("fiona")
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    assert page.violations() == []

    page.goto(f"{live_server.url}/notes/{note.pk}/?as_of=2007-02-28")
    page.wait_for_load_state("networkidle")
    # htmx loaded the note's notices in place of the placeholder.
    page.wait_for_selector("#notices table.notices")
    assert page.locator("svg.chart").count() >= 1  # the server-rendered chart
    # The as-of form swaps the panel through htmx.
    page.locator("input[name=as_of]").fill("2006-12-31")
    page.locator("form.as-of button").click()
    page.wait_for_selector("text=Position as of 2006-12-31")
    assert page.violations() == []

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info")  # Swagger UI started from its static script
    assert page.violations() == []

    page.goto(f"{live_server.url}/operations/failed-jobs/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", name="Failed background jobs")).to_be_visible()
    assert page.violations() == []


def test_the_portal_logs_no_violation(login, watched, holder_user, note, live_server):
    page = watched
    login("margaret")
    page.goto(f"{live_server.url}/portal/")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("ATS06-001").first).to_be_visible()
    page.get_by_text("ATS06-001").first.click()
    page.wait_for_load_state("networkidle")
    assert page.violations() == []


def test_django_admin_logs_no_violation(login, watched, admin_user, note, live_server):
    page = watched
    login("ada")
    for path in ["/admin/", "/admin/holders/holder/", f"/admin/notes/note/{note.pk}/change/",
                 "/admin/core/deadletter/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.violations() == [], path


def test_finance_resolves_a_failed_job_from_the_menu(login, watched, finance_user, live_server):
    from core.dead_letters import dead_letter_record
    from core.models import DeadLetterResolution

    dead_letter_record(
        task_id="6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", task_name="notices.tasks.notice_chunk_task",
        args=[17], kwargs={}, exception=OSError("cannot load library 'pango'"),
        traceback="Traceback (most recent call last):\nOSError", retries=5,
    )
    page = watched
    login("fiona")
    page.get_by_role("link", name="Failed jobs").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Open (1)")).to_be_visible()
    page.locator("table.grid a").first.click()
    page.wait_for_load_state()
    expect(page.get_by_text("OSError: cannot load library 'pango'")).to_be_visible()
    page.get_by_label("What was done").fill("Installed Pango; the next daily job made the letters.")
    page.get_by_role("button", name="Mark resolved").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Resolution recorded for failed job")).to_be_visible()
    resolution = page.get_by_text("Installed Pango; the next daily job made the letters.")
    expect(resolution).to_be_visible()
    assert DeadLetterResolution.objects.count() == 1
    page.get_by_role("link", name="Failed jobs").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="Open (0)")).to_be_visible()
    expect(page.get_by_text("No failed job is waiting for anyone.")).to_be_visible()
    assert page.violations() == []
