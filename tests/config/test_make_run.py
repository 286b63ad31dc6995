"""`make run` on the embedded default: it serves, and Ctrl+C or SIGTERM stops everything cleanly.

Ctrl+C is typed into a real pseudo-terminal, so the terminal driver signals whatever process group
holds the foreground, exactly as in a user's shell. Every process `make run` starts inherits
VAR_DIR, which points into this test's own folder: a process left behind is found by it.
"""

import contextlib
import os
import pty
import select
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Terminal:
    """`make run` with a pseudo-terminal as its controlling terminal."""

    def __init__(self, var_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.var_dir = var_dir
        # The embedded default: no database, cache or broker from the test's environment.
        service_vars = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
        env = {k: v for k, v in os.environ.items() if k not in service_vars} | {"VAR_DIR": str(var_dir)}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes make
            os.chdir(ROOT)
            os.execvpe("make", ["make", "--no-print-directory", "run", f"PORT={self.port}"], env)
        self.output = b""
        self.status: int | None = None

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the terminal closed: make is gone
                    return

    def wait_until_serving(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        raise AssertionError(f"make run did not serve within {timeout} s:\n{self.text}")

    def wait_for_exit(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.1)
            if self.status is None:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.status = os.waitstatus_to_exitcode(status)
            if self.status is not None:
                return self.status
        return None

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace").replace("\r\n", "\n")

    def after_banner(self) -> list[str]:
        return [line for line in self.text.split("Press Ctrl+C")[-1].splitlines()[1:] if line.strip()]

    def _started_here(self) -> dict[int, str]:
        """Live processes (not zombies) carrying this run's VAR_DIR, make itself excluded."""
        marker, found = f"VAR_DIR={self.var_dir}".encode(), {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.pid:
                continue
            try:
                alive = (entry / "stat").read_text().rsplit(") ", 1)[1][0] != "Z"
                if alive and marker in (entry / "environ").read_bytes().split(b"\0"):
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:  # it ended while we looked
                continue
        return found

    def leftovers(self) -> list[str]:
        return list(self._started_here().values())

    def kill_leftovers(self) -> None:
        for pid in self._started_here():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    # One folder for the module: the first run migrates its SQLite database, the second reuses it.
    return tmp_path_factory.mktemp("var")


@pytest.fixture
def terminal(var_dir):
    term = Terminal(var_dir)
    yield term
    if term.status is None:
        os.kill(term.pid, signal.SIGKILL)
        term.wait_for_exit(5)
    term.kill_leftovers()


def _gone_within(term: Terminal, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := term.leftovers()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_ctrl_c_stops_web_worker_and_beat_quietly_with_status_zero(terminal):
    terminal.wait_until_serving()
    assert "Demo login: demo@switchboard.local" in terminal.text

    started = time.monotonic()
    os.write(terminal.fd, b"\x03")  # Ctrl+C, through the terminal driver
    status = terminal.wait_for_exit(10)

    assert status == 0, terminal.text
    assert time.monotonic() - started < 10
    assert _gone_within(terminal, 1) == []
    assert len(terminal.after_banner()) <= 5, terminal.text
    assert "Traceback" not in terminal.text and "Segmentation fault" not in terminal.text


def test_sigterm_to_make_leaves_no_process_behind(terminal):
    terminal.wait_until_serving()

    os.kill(terminal.pid, signal.SIGTERM)  # what a process manager or `kill <pid>` sends

    assert terminal.wait_for_exit(10) is not None
    assert _gone_within(terminal, 10) == []
    assert "Traceback" not in terminal.text
