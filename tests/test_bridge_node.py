"""A Node.js agent (examples/ws_agent.mjs, the `ws` package) runs full episodes against `lngym bridge`."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def start_bridge(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`lngym bridge` on a free port; returns the process and the URL it printed."""
    process = subprocess.Popen([sys.executable, "-m", "lngym.cli.main", "bridge", "--port", "0", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"ws://127\.0\.0\.1:\d+", line)
        if found:
            return process, found.group(0)
        assert time.monotonic() < deadline, "lngym bridge did not say where it listens within 60 s"
    raise AssertionError(f"lngym bridge exited with {process.wait()} before listening")


def test_node_agent_completes_episodes_against_lngym_bridge() -> None:
    node = shutil.which("node")
    assert node, "node is needed for the Node.js agent"
    assert (EXAMPLES / "node_modules" / "ws").is_dir(), "run `npm ci --prefix examples` (CI does) to install ws"
    bridge, url = start_bridge("--env", "LightningSim-v0", "--max-episode-steps", "25", "--payments-per-step", "5")
    try:
        agent = subprocess.run([node, str(EXAMPLES / "ws_agent.mjs"), "--url", url, "--episodes", "2", "--seed", "4"],
                               capture_output=True, text=True, timeout=120, check=False)
    finally:
        bridge.send_signal(signal.SIGTERM)
        bridge_status = bridge.wait(timeout=30)
    assert agent.returncode == 0, agent.stderr
    lines = agent.stdout.strip().splitlines()
    assert lines[0] == "connected: LightningSim-v0, scenario seed, 6 channels"
    summary = json.loads(lines[-1])
    assert [episode["steps"] for episode in summary["episodes"]] == [25, 25]
    assert all(0.0 < episode["success_rate"] <= 1.0 for episode in summary["episodes"])
    assert bridge_status == 0
