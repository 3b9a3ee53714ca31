"""One daemon process (btcd or lnd): start, liveness, graceful stop, log tail.

Daemons run in their own session so that they outlive ``lngym up``; a later
``lngym down`` finds them again by pid and checks the pid still runs our
binary on our directory before signalling it, so a recycled pid is never hit.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from lngym.errors import NodeError
from lngym.wait import stopped_within

#: Seconds a daemon gets to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0


class DaemonProcess:
    """A named daemon with a command line, a log file and (once started) a pid."""

    def __init__(self, name: str, argv: list[str], log_path: Path, marker: str) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_path
        # A string that must appear in /proc/<pid>/cmdline for the pid to be ours.
        self.marker = marker
        self.pid: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None

    def start(self) -> int:
        """Launch the daemon detached from our terminal; returns its pid."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._popen = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid = self._popen.pid
        return self.pid

    def follow(self, pid: int | None) -> None:
        """Track ``pid`` instead (the daemon was restarted, possibly by another process)."""
        if pid != self.pid:
            self._reap()
            self._popen = None
            self.pid = pid

    def is_running(self) -> bool:
        """True while the pid exists and still runs this daemon."""
        if self.pid is None:
            return False
        if self._popen is not None:
            return self._popen.poll() is None
        try:
            cmdline = Path(f"/proc/{self.pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            return False
        return self.marker.encode() in cmdline

    def check_alive(self) -> None:
        """Raise with the daemon's last log lines if it has exited."""
        if not self.is_running():
            code = self._popen.returncode if self._popen is not None else None
            exit_text = f" with code {code}" if code is not None else ""
            raise NodeError(
                f"{self.name}: process exited{exit_text}; last log lines "
                f"({self.log_path}):\n{self.tail()}",
                self.name,
                unreachable=True,
            )

    def tail(self, lines: int = 15) -> str:
        """The last ``lines`` lines of the daemon's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait up to ``timeout``, then SIGKILL; a no-op if not running."""
        if not self.is_running():
            self._reap()
            return
        assert self.pid is not None
        self._signal(signal.SIGTERM)
        if not self.wait_exit(timeout):
            self._signal(signal.SIGKILL)
            self.wait_exit(5.0)
        self._reap()

    def kill(self) -> None:
        """SIGKILL at once (used by tests that simulate a crash)."""
        if self.is_running():
            self._signal(signal.SIGKILL)
            self.wait_exit(5.0)
        self._reap()

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the process is gone; True if it exited in time."""
        return stopped_within(self.is_running, timeout)

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.kill(self.pid or -1, sig)
        except ProcessLookupError:
            pass

    def _reap(self) -> None:
        if self._popen is not None:
            try:
                self._popen.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass


def stop_pid(pid: int, directory: Path) -> None:
    """SIGTERM then SIGKILL a daemon known only by its pid (one ``pids_using`` found)."""
    process = DaemonProcess(f"pid {pid}", [], directory / "lngym-stray.log", marker=str(directory))
    process.pid = pid
    process.stop()


def pids_using(directory: Path) -> list[int]:
    """Pids of lnd/btcd processes whose command line names ``directory``.

    The safety net of ``lngym down``: a daemon whose pid was lost (a crash of
    the process that started it) still names its data directory, which makes
    it ours and no one else's.
    """
    needle = str(directory).encode() + b"/"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        program = cmdline.split(b"\0", 1)[0].rsplit(b"/", 1)[-1]
        if program in (b"lnd", b"btcd") and needle in cmdline:
            found.append(int(entry.name))
    return found
