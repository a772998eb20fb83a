"""Every main page works in Chromium under the strict Content-Security-Policy.

A page that still ran an inline script, an onclick= or eval (or a plotly.js that
needed one) would be blocked by the policy: the browser reports a
securitypolicyviolation, and the chart or the live z-score would not appear.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from dashboards.refresh import all_years, snapshot_refresh
from stunting.demo import stunting_demo_load
from stunting.models import Child, ImportBatch
from villages.demo import demo_load

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATIC = Path(__file__).resolve().parents[2] / "static"
PASSWORD = "Sandi-uji-yang-panjang-1"
LAPTOP = {"width": 1280, "height": 800}

# Runs in every document before its own scripts (Playwright's, not the page's).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber + ":" + e.columnNumber);
});
"""


@pytest.fixture
def admin_with_data():
    """The Pekalongan demo with its children and every indicator; an administrator."""
    demo_load()
    stunting_demo_load()
    snapshot_refresh(years=all_years())
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    child = Child.objects.filter(measurements__haz__isnull=False).first()
    batch = ImportBatch.objects.create(
        uploaded_by=user, file_name="eppgbm.csv", file_sha256="0" * 64, total_rows=10
    )
    return child, batch


@pytest.fixture
def laptop(chromium, live_server):
    context = chromium.new_context(
        viewport=LAPTOP, locale="id-ID", base_url=live_server.url
    )
    context.add_init_script(WATCH)
    page = context.new_page()
    problems = []
    # The browser's own /favicon.ico request (the app has none) is not a page's.
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text} {m.location}")
            if m.type in ("error", "warning")
            and not m.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    yield page, problems
    context.close()


def _visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"]
    return response


def _no_violations(page, problems):
    assert page.evaluate("window.__violations") == []
    assert problems == []


def test_main_pages_run_under_the_policy_and_draw(laptop, live_server, admin_with_data):
    page, problems = laptop
    child, batch = admin_with_data
    sign_in(page, "root", PASSWORD)

    _visit(page, reverse("dashboard", args=["33.75"]))
    page.wait_for_selector("#chart-treemap .main-svg", state="attached")
    for chart in ("classification", "formation", "stunting", "treemap"):
        assert page.locator(f"#chart-{chart} .main-svg").count() > 0, chart
    _no_violations(page, problems)

    _visit(page, reverse("child-detail", args=[child.pk]))
    page.wait_for_selector("#growth-chart .main-svg", state="attached")
    _no_violations(page, problems)

    _visit(page, reverse("measurement-create", args=[child.pk]))
    page.fill("#id_weight_kg", "10.0")
    page.fill("#id_height_cm", "80.0")
    page.wait_for_selector("#score-result li")
    assert "TB/U" in page.locator("#score-result").inner_text()
    _no_violations(page, problems)

    status_url = reverse("import-status", args=[batch.pk])
    with page.expect_response(lambda r: r.url.endswith(status_url)) as polled:
        _visit(page, reverse("import-detail", args=[batch.pk]))
    assert polled.value.json()["total_rows"] == 10
    _no_violations(page, problems)

    _visit(page, reverse("stunting-prevalence", args=["33.75"]))
    page.wait_for_selector("#prevalence-chart .main-svg", state="attached")
    _no_violations(page, problems)

    _visit(page, reverse("admin:stunting_child_change", args=[child.pk]))
    page.wait_for_selector(".datetimeshortcuts")  # the admin's own scripts ran
    _no_violations(page, problems)

    _visit(page, reverse("api:docs"))
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Kampung KB Monitor API" in page.locator(".swagger-ui .info").inner_text()
    page.wait_for_selector(".swagger-ui .opblock")
    _no_violations(page, problems)


def test_plotly_css_holds_exactly_the_rules_plotly_would_insert(chromium):
    """static/css/plotly.css stands in for plotly.js's inline <style>: same rules."""
    page = chromium.new_page()
    page.set_content("<html><head></head><body></body></html>")
    page.add_script_tag(path=str(STATIC / "js" / "plotly.min.js"))
    # Each rule is inserted at the top of the sheet: reversed, they are in order.
    inserted = page.evaluate(
        "[...document.getElementById('plotly.js-style-global').sheet.cssRules]"
        ".map(r => r.cssText).reverse()"
    )
    page.close()
    css = (STATIC / "css" / "plotly.css").read_text()
    ours = [line for line in css.split("*/", 1)[1].splitlines() if line]
    assert len(inserted) > 50
    assert ours == inserted
