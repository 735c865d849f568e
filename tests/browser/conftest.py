"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The frontend is built once per session when frontend/dist is missing or older than its sources.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from assist_web.accounts.models import User

# Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
# from test code (fixtures, assertions) as "async-unsafe". The tests are single-threaded.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_BUILD_INPUTS = ["src", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json"]


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _BUILD_INPUTS:
        path = FRONTEND / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    manifest = FRONTEND / "dist" / ".vite" / "manifest.json"
    npm = shutil.which("npm")
    if npm is None:
        if manifest.exists():
            return manifest.parent.parent
        pytest.fail("npm is needed to build frontend/ for the browser tests")
    if not (FRONTEND / "node_modules").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)
    return manifest.parent.parent


@pytest.fixture(scope="session")
def browser(frontend_dist: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the page logs or throws; every message is printed, so a failure shows them."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        print(f"console.{message.type}: {message.text}")
        if message.type == "error":
            errors.append(message.text)

    def on_page_error(error: Error) -> None:
        print(f"pageerror: {error.stack}")
        errors.append(str(error))

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return errors


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(page: Page, base_url: str, user: User, next_path: str) -> None:
    """Log in through the login form, the way a person does, and land on next_path."""
    page.goto(f"{base_url}{next_path}")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(f"{user.username}-pass-2026")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}{next_path}")
