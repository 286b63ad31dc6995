"""`make run`: the web server, the worker and beat as one foreground program.

    python -m config.run [--host 127.0.0.1] [--port 8000]

Ctrl+C or SIGTERM stops both within a few seconds and exits 0, with no process left behind.
Make is a poor supervisor for this: on Ctrl+C the terminal signals every process in the
foreground group, so make, the shell, celery and uvicorn each react on their own (and make then
kills itself, ending with a non-zero status). This launcher instead takes the terminal's
foreground for its own process group, starts each server in a group of its own, and is the only
one that decides when they stop. If the launcher itself dies, the kernel signals the servers
(PR_SET_PDEATHSIG), so nothing outlives it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

GRACE_SECONDS = 8.0  # a server still running after this is killed; the whole stop stays under 10 s
_PR_SET_PDEATHSIG = 1


def server_commands(host: str, port: int, var_dir: Path) -> dict[str, list[str]]:
    bin_dir = Path(sys.executable).parent
    celery, schedule = str(bin_dir / "celery"), str(var_dir / "celerybeat-schedule")
    return {
        # A thread pool stops in a few seconds; a prefork pool on the filesystem broker takes twice that.
        "worker": [celery, "-A", "config", "--quiet", "worker", "--loglevel", "warning", "-P", "threads", "-c", "4"],
        # Beat on its own: embedded in the worker (-B) it makes every stop wait for its next tick.
        "beat": [celery, "-A", "config", "--quiet", "beat", "--loglevel", "warning", "--schedule", schedule],
        "web": [
            str(bin_dir / "uvicorn"),
            "config.asgi:application",
            "--host",
            host,
            "--port",
            str(port),
            "--log-level",
            "warning",
            # An open event stream must not hold the stop up; the answer runs on and is reattached to.
            "--timeout-graceful-shutdown",
            "3",
        ],
    }


def _quiet_env() -> dict[str, str]:
    # Celery's advice against running as root is for production workers; locally it is noise.
    return {**os.environ, "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges"}


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGTERM when the launcher goes away."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def _terminal_foreground() -> Iterator[None]:
    """Make Ctrl+C reach this launcher alone, not make and the servers behind its back."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no terminal (a service manager, a test): signals come to us directly
        return
    previous = os.tcgetpgrp(tty)
    old_ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not claim the tty otherwise
    try:
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
        os.tcsetpgrp(tty, os.getpgrp())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(tty, previous)
        signal.signal(signal.SIGTTOU, old_ttou)
        os.close(tty)


def _stop(servers: dict[str, subprocess.Popen], say: Callable[[str], None]) -> None:
    for proc in servers.values():
        if proc.poll() is None:
            # The main process only: it stops its own pool; a signal to the pool looks like a crash.
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for name, proc in servers.items():
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{name} did not stop in {GRACE_SECONDS:.0f} s; killing it")
        # The group goes too: a worker's pool processes must not outlive it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run(host: str, port: int, var_dir: Path) -> int:
    def say(text: str) -> None:
        with contextlib.suppress(OSError):  # the terminal may be gone (window closed, make killed)
            print(f"  {text}", flush=True)

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGHUP, request_stop)
    with _terminal_foreground():
        servers = {
            name: subprocess.Popen(cmd, env=_quiet_env(), preexec_fn=_die_with_parent)  # noqa: S603 - fixed argv
            for name, cmd in server_commands(host, port, var_dir).items()
        }
        failed = ""
        while not stopping and not failed:
            failed = next((name for name, proc in servers.items() if proc.poll() is not None), "")
            time.sleep(0.2)
        say(f"{failed} exited unexpectedly; stopping" if failed else "Stopping...")
        _stop(servers, say)
        say("Stopped.")
        return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--var-dir", type=Path, default=Path("var"))
    args = parser.parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    return run(args.host, args.port, args.var_dir)


if __name__ == "__main__":
    sys.exit(main())
