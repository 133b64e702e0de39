"""Browser test set-up: Debian's Chromium and axe-core, installed when missing; a live portal.

Playwright drives /usr/bin/chromium; no browser is ever downloaded. axe-core comes from npm
(tests/web/package.json) into a git-ignored node_modules.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from talentvisa import demo
from talentvisa.api.app import create_app
from talentvisa.cases.service import CaseContext
from talentvisa.db import migrate
from talentvisa.db.engine import make_engine, transaction
from tests.api.fixtures import TODAY, served

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = HERE.parents[1] / "artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _apt_install(*packages: str) -> None:
    if os.geteuid() != 0:
        pytest.fail(f"install {' '.join(packages)} (apt-get needs root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env, check=False)
    if done.returncode != 0:  # a fresh machine may need the package lists first
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env, check=True)


def _has_chinese_font() -> bool:
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, and a Chinese font so that the screenshots are readable."""
    wanted = []
    if not CHROMIUM.exists():
        wanted.append("chromium")
    if not shutil.which("fc-list") or not _has_chinese_font():
        wanted += ["fontconfig", "fonts-wqy-microhei"]
    if wanted:
        _apt_install(*wanted)
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _apt_install("npm")
            npm = "npm"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return AXE.read_text("utf-8")


@pytest.fixture(scope="session")
def browser_type_launch_args(chromium: Path) -> dict[str, Any]:
    """pytest-playwright launches this browser instead of a downloaded one."""
    return {"executable_path": str(chromium), "args": LAUNCH_ARGS}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal with its demo data, over plain HTTP like `make run` (so insecure cookies)."""
    with demo_portal(tmp_path_factory.mktemp("portal")) as url:
        yield url


@contextmanager
def demo_portal(
    data_dir: Path, more: Callable[[Session, CaseContext], None] | None = None
) -> Iterator[str]:
    """Serve the portal with the demo data (and `more` of it) over plain HTTP; its URL."""
    engine = make_engine(f"sqlite:///{data_dir / 'talentvisa.sqlite3'}")
    migrate.upgrade(engine)
    app = create_app(engine, data_dir, secure_cookies=False, today=lambda: TODAY)
    rt = app.state.runtime
    with transaction(rt.factory) as s:
        demo.load(s, rt.cases)
    if more is not None:
        with transaction(rt.factory) as s:
            more(s, rt.cases)
    try:
        with served(app) as url:
            yield url
    finally:
        engine.dispose()
