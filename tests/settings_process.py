"""Loads the project's settings in a fresh interpreter, so a test can see what given environment variables do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_loaded(code: str = "", *, drop: Callable[[str], bool], **env: str) -> subprocess.CompletedProcess:
    """Imports wassweb.settings with this process's environment less the variables `drop` names, plus `env`,
    then runs `code` with the settings module as `s`."""
    clean = {name: value for name, value in os.environ.items() if not drop(name)}
    return subprocess.run(
        [sys.executable, "-c", f"import wassweb.settings as s\n{code}"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
