"""Real Chromium (Debian's `chromium`) driven by Playwright against pytest-django's live server."""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="session", autouse=True)
def static_files_as_in_production():
    """Let WhiteNoise serve the collected, hashed files, as it does in production.

    pytest-django's live server would otherwise answer /static/ from the app
    folders, where the hashed names the pages ask for do not exist.
    """
    import django.contrib.staticfiles.handlers as handlers

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(handlers, "StaticFilesHandler", lambda application: application)
        yield


@pytest.fixture
def phone(chromium, live_server, request):
    """A phone-sized page; its screenshot is saved under tests/artifacts when done."""
    context = chromium.new_context(
        viewport=PHONE, locale="id-ID", base_url=live_server.url
    )
    page = context.new_page()
    # Nothing may come from the internet: fail any request that leaves the live server.
    external = []
    page.on(
        "request",
        lambda req: (
            None if req.url.startswith(live_server.url) else external.append(req.url)
        ),
    )
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()
    assert not external, f"requests outside the app: {external}"


def sign_in(page, username, password):
    page.goto("/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def assert_fits_the_screen(page):
    """The page must not scroll sideways; wide tables scroll inside their own box."""
    width = page.viewport_size["width"]
    overflowing = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
            .filter(e => (e.getBoundingClientRect().right > width + 1
                          || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
                         && !(e.parentElement && e.parentElement.closest('.table-wrap')))
            .slice(0, 5)
            .map(e => `${e.tagName}.${e.className}: ${(e.innerText || '').slice(0, 60)}`)""",
        width,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width, overflowing


def open_menu(page):
    """Unfold the top menu where it folds (a phone); a laptop shows it whole."""
    button = page.locator("button.menu-toggle")
    if button.is_visible() and button.get_attribute("aria-expanded") != "true":
        button.click()
