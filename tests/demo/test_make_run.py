"""`make run` on another port: SITE_URL follows PORT, and the Makefile hands one port and one
SITE_URL to the seed and to web, worker and beat (honcho alone would bind web to 5000 when
PORT is unset and give the worker and beat PORT+100 and PORT+200)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)

PRINT_SITE_URL = """
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
django.setup()
from django.conf import settings
print(settings.SITE_URL)
"""


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without anything that would choose a port or a URL for us."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORT", "SITE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    env["FANZDASH_DATA_DIR"] = str(tmp_path / "var")
    env.update(extra)
    return env


def _site_url(tmp_path: Path, **extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SITE_URL],
        cwd=BASE_DIR,
        env=_clean_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_site_url_follows_port_unless_set(tmp_path):
    assert _site_url(tmp_path) == "http://localhost:8000"
    assert _site_url(tmp_path, PORT="8100") == "http://localhost:8100"
    assert (
        _site_url(tmp_path, PORT="8100", SITE_URL="https://dash.example.com")
        == "https://dash.example.com"
    )


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def stub_venv(tmp_path):
    """A .venv for the Makefile whose python only reports how it was called and whose honcho
    is the real one, started on the real Procfile's commands with each command echoed
    (the shell expands ${PORT:-8000} and the rest, as it would before running them)."""
    real_honcho = Path(sys.executable).parent / "honcho"
    if shutil.which("make") is None or not real_honcho.exists():
        pytest.skip("needs make and honcho")
    procfile = tmp_path / "Procfile"
    lines = []
    for line in (BASE_DIR / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name in {"web", "worker", "beat"}:
            # (then a pause: honcho stops the others as soon as one process ends)
            lines.append(f'{name}: echo "SITE_URL=$SITE_URL" {command.strip()}; sleep 2')
    procfile.write_text("\n".join(lines) + "\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    _executable(bin_dir / "python", '#!/bin/sh\necho "python $* | SITE_URL=$SITE_URL"\n')
    _executable(
        bin_dir / "honcho",
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        f'args[args.index("--procfile") + 1] = {str(procfile)!r}\n'
        f"os.execv({str(real_honcho)!r}, [{str(real_honcho)!r}, *args])\n",
    )
    (tmp_path / ".venv" / ".requirements-installed").touch()
    return tmp_path / ".venv"


def _make_run(stub_venv: Path, tmp_path: Path, **extra: str) -> str:
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"VENV={stub_venv}"],
        cwd=BASE_DIR,
        env=_clean_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def _process_lines(output: str) -> dict[str, str]:
    """honcho's "12:00:00 web.1 | ..." lines by process name."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"^\S+ (web|worker|beat)\.1\s+\| (SITE_URL=.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_make_run_puts_everything_on_port(stub_venv, tmp_path):
    output = _make_run(stub_venv, tmp_path, PORT="8100")
    processes = _process_lines(output)
    assert sorted(processes) == ["beat", "web", "worker"], output
    assert "--bind 0.0.0.0:8100 " in processes["web"]
    for line in processes.values():  # the worker and beat too (honcho gives them 8200, 8300)
        assert line.startswith("SITE_URL=http://localhost:8100 "), line
    assert "python manage.py seed_demo | SITE_URL=http://localhost:8100" in output
    assert "Starting web on http://localhost:8100/ (port 8100)" in output
    assert "8000" not in output


def test_make_run_defaults_to_port_8000(stub_venv, tmp_path):
    output = _make_run(stub_venv, tmp_path)
    assert "Starting web on http://localhost:8000/ (port 8000)" in output
    processes = _process_lines(output)
    assert "--bind 0.0.0.0:8000 " in processes["web"]  # not honcho's 5000
    assert all(line.startswith("SITE_URL=http://localhost:8000 ") for line in processes.values())
