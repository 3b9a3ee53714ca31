"""The dashboard end to end: `lngym bridge --env LightningSim-v0 --dashboard` in a subprocess,
the page in headless Chromium (Debian's, driven by Playwright; no browser download).
Waits pass functions, not expressions: the page's CSP forbids eval, which Playwright uses for expressions.

Chromium missing is a failure that says how to install it, never a skip. Screenshots go
to $LNGYM_ARTIFACTS (default: a pytest temporary directory); their paths are printed.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bridge_support import Client, env_bridge
from websockets.sync.client import connect

from lngym.bridge import BridgeServer, BridgeSettings, Publisher
from lngym.bridge.protocol import channel_update_message
from lngym.bridge.relay import SuggestionRelay
from lngym.network.sim import Sim
from lngym.scenario import load_scenario
from lngym.simulation import Simulation, SimulationConfig

#: Where to look for a Chromium binary, after $LNGYM_CHROMIUM.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: A page that has drawn at least this many of the stream's messages.
PAGE_WAIT_MS = 20_000


# -- the bridge as a user starts it -----------------------------------------------------------

class BridgeProcess:
    """`lngym bridge ... --dashboard` as a subprocess, with the addresses it printed."""

    def __init__(self, *args: str, port: int = 0, dashboard_port: int = 0) -> None:
        command = [sys.executable, "-m", "lngym.cli.main", "bridge", "--env", "LightningSim-v0", "--dashboard",
                   "--port", str(port), "--dashboard-port", str(dashboard_port), *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in self.process.stdout or []], daemon=True).start()
        self.output: list[str] = []
        self.ws_url = self.page_url = ""
        while not (self.ws_url and self.page_url):
            try:
                line = lines.get(timeout=60)
            except queue.Empty:
                self.stop()
                raise AssertionError("the bridge printed no addresses within 60 s:\n" + "".join(self.output)) from None
            self.output.append(line)
            if found := re.search(r"serving \S+ on (ws://\S+)", line):
                self.ws_url = found.group(1)
            if found := re.search(r"dashboard on (http://\S+)", line):
                self.page_url = found.group(1)

    @property
    def ports(self) -> tuple[int, int]:
        """(WebSocket port, dashboard port), to start it again on the same ones."""
        return int(self.ws_url.rsplit(":", 1)[1]), int(re.search(r":(\d+)/", self.page_url).group(1))  # type: ignore[union-attr]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def bridge(request: pytest.FixtureRequest) -> Iterator[BridgeProcess]:
    """A bridge with the arguments of the test's ``bridge_args`` marker."""
    marker = request.node.get_closest_marker("bridge_args")
    process = BridgeProcess(*(marker.args if marker else ()))
    yield process
    process.stop()


class Controller(Client):
    """Drives the served env like any agent, and keeps every broadcast it receives."""

    def reset(self, seed: int = 1) -> dict[str, Any]:
        return self.request({"type": "reset", "seed": seed})

    def step(self, action: int = 0) -> dict[str, Any]:
        reply = self.request({"type": "step", "action": action})
        assert reply["type"] == "step_result", reply
        return reply

    def last(self, kind: str) -> dict[str, Any]:
        return [m for m in self.broadcasts if m["type"] == kind][-1]


# -- the browser ------------------------------------------------------------------------------

def chromium_path() -> str:
    """Debian's Chromium (or $LNGYM_CHROMIUM); the browser tests fail, saying so, without it."""
    explicit = os.environ.get("LNGYM_CHROMIUM")
    found = explicit or next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if not found:
        pytest.fail("Chromium is needed for the dashboard tests and was not found: install it "
                    "(`apt-get install chromium` on Debian) or set LNGYM_CHROMIUM to its path", pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert not errors, f"the page raised: {errors}"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = Path(os.environ.get("LNGYM_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def open_dashboard(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.lngym && window.lngym.hellos >= 1", timeout=PAGE_WAIT_MS)
    # The channel list is drawn from the hello after the graph; a test reads both.
    page.wait_for_function("() => document.querySelectorAll('#channels .name').length > 0", timeout=PAGE_WAIT_MS)


def wait_for_balances(page: Any, update: dict[str, Any]) -> None:
    """Until every listed channel shows the balances of ``update`` (a channel_update message)."""
    expected = {str(entry["channel_index"]): [entry["local_balance"], entry["remote_balance"]]
                for node, entries in update["data"].items() for entry in entries
                if node == f"lnd-{CHANNEL_A[entry['channel_index']]}"}
    page.wait_for_function(
        """expected => Object.entries(expected).every(([index, [a, b]]) => {
             const row = document.querySelector(`#channels [data-channel-index="${index}"]`);
             return row && row.dataset.balanceA === String(a) && row.dataset.balanceB === String(b);
           })""", arg=expected, timeout=PAGE_WAIT_MS)


#: The seed's channels' first nodes, in scenario order (as hello lists them).
CHANNEL_A = ["alice", "bob", "carol", "dave", "eve", "bob"]


def page_shares(page: Any) -> dict[int, tuple[float, float]]:
    """Each listed channel's two shares as the page writes them, in percent."""
    rows = page.eval_on_selector_all(
        "#channels .channel-row",
        "rows => rows.map(r => [r.dataset.channelIndex, r.querySelector('.share-a').textContent,"
        " r.querySelector('.share-b').textContent])")
    return {int(index): (float(a.rstrip("%")), float(b.rstrip("%"))) for index, a, b in rows}


def shares_of(update: dict[str, Any]) -> dict[int, tuple[float, float]]:
    """The same shares computed from a channel_update, from each channel's first node."""
    shares = {}
    for node, entries in update["data"].items():
        for entry in entries:
            if node == f"lnd-{CHANNEL_A[entry['channel_index']]}":
                capacity = entry["capacity"]
                shares[entry["channel_index"]] = (100 * entry["local_balance"] / capacity,
                                                  100 * entry["remote_balance"] / capacity)
    return shares


def assert_same_shares(page: Any, update: dict[str, Any]) -> None:
    wait_for_balances(page, update)
    shown, expected = page_shares(page), shares_of(update)
    assert shown.keys() == expected.keys()
    for index, (a, b) in expected.items():
        # The page writes one decimal: equal to within half of its last digit.
        assert abs(shown[index][0] - a) <= 0.05 + 1e-9 and abs(shown[index][1] - b) <= 0.05 + 1e-9, (index, shown, a, b)


# -- the tests --------------------------------------------------------------------------------

def test_page_shows_the_network_and_the_shares_of_each_step(bridge: BridgeProcess, page: Any, artifacts: Path) -> None:
    open_dashboard(page, bridge.page_url)
    names = page.eval_on_selector_all("#graph .node text", "labels => labels.map(l => l.textContent)")
    assert sorted(names) == sorted(["alice", "bob", "carol", "dave", "eve"])
    drawn = page.eval_on_selector_all("#graph .channel", "groups => groups.map(g => g.dataset.channelIndex)")
    assert drawn == [str(i) for i in range(6)]
    listed = page.eval_on_selector_all("#channels .name", "names => names.map(n => n.textContent)")
    assert listed == ["alice – bob", "bob – carol", "carol – dave", "dave – eve", "eve – alice", "bob – dave"]

    controller = Controller(bridge.ws_url)
    controller.reset(seed=3)
    assert_same_shares(page, controller.last("channel_update"))
    for action in (5, 0, 20):
        result = controller.step(action)
        update = controller.last("channel_update")
        assert_same_shares(page, update)
    page.wait_for_function("step => document.getElementById('episode').textContent.includes(`step ${step} `)",
                           arg=result["info"]["step"], timeout=PAGE_WAIT_MS)
    assert f"reward {result['reward']:.3f}" in page.text_content("#episode")
    controller.close()
    shot = artifacts / "dashboard.png"
    page.screenshot(path=str(shot))
    print(f"\ndashboard screenshot: {shot}")
    assert shot.stat().st_size > 10_000


@pytest.mark.bridge_args("--payments-per-step", "100")
def test_a_failed_payment_appears_in_the_feed_with_its_reason(bridge: BridgeProcess, page: Any) -> None:
    open_dashboard(page, bridge.page_url)
    controller = Controller(bridge.ws_url)
    controller.reset(seed=1)
    for _ in range(20):
        if controller.step(0)["info"]["failures"]:
            break
    failed = [m["data"] for m in controller.broadcasts if m["type"] == "transaction" and not m["data"]["success"]]
    assert failed, "the skewed workload should drain a channel within 2,000 payments"
    last = failed[-1]
    pair = f"{last['sender'][4:]} → {last['receiver'][4:]}"
    page.wait_for_function(
        """([pair, reason]) => [...document.querySelectorAll('#feed tr.failed')].some(row =>
             row.querySelector('.pair').textContent === pair && row.querySelector('.outcome').textContent.includes(reason))""",
        arg=[pair, last["failure_reason"]], timeout=PAGE_WAIT_MS)
    assert last["failure_reason"]
    controller.close()


def test_the_page_reconnects_when_the_bridge_restarts(page: Any) -> None:
    first = BridgeProcess()
    try:
        open_dashboard(page, first.page_url)
        ws_port, page_port = first.ports
    finally:
        first.stop()
    page.wait_for_function("() => document.getElementById('status').classList.contains('disconnected')",
                           timeout=PAGE_WAIT_MS)
    second = BridgeProcess(port=ws_port, dashboard_port=page_port)
    try:
        page.wait_for_function("() => window.lngym.hellos >= 2", timeout=PAGE_WAIT_MS)
        assert page.text_content("#status") == "connected"
        controller = Controller(second.ws_url)
        controller.reset(seed=2)
        controller.step(7)
        assert_same_shares(page, controller.last("channel_update"))
        controller.close()
    finally:
        second.stop()


@pytest.mark.bridge_args("--payments-per-step", "100", "--max-episode-steps", "1000", "--queue-size", "100000")
def test_ten_thousand_transactions_keep_the_page_bounded(bridge: BridgeProcess, page: Any, artifacts: Path) -> None:
    open_dashboard(page, bridge.page_url)
    devtools = page.context.new_cdp_session(page)
    controller = Controller(bridge.ws_url)
    controller.send({"type": "subscribe", "events": False})  # the controller only needs its replies
    controller.next_reply()
    controller.reset(seed=4)

    def stream(steps: int, total: int) -> tuple[int, int]:
        for _ in range(steps):
            controller.step(0)
        page.wait_for_function("total => window.lngym.transactions >= total", arg=total, timeout=60_000)
        page.wait_for_timeout(200)  # the redraw that follows the last message
        devtools.send("HeapProfiler.collectGarbage")
        heap = devtools.send("Runtime.getHeapUsage")["usedSize"]
        return page.evaluate("document.getElementsByTagName('*').length"), heap

    nodes_before, heap_before = stream(10, 1_000)
    nodes_after, heap_after = stream(90, 10_000)
    counters = page.evaluate("window.lngym")
    assert counters["transactions"] == 10_000 and counters["dropped"] == 0, counters
    assert page.eval_on_selector_all("#feed tr", "rows => rows.length") == 200
    assert nodes_after <= nodes_before * 1.01, (nodes_before, nodes_after)
    assert heap_after - heap_before < 2_000_000, (heap_before, heap_after)
    page.screenshot(path=str(artifacts / "dashboard-10k.png"))
    print(f"\nDOM {nodes_before} -> {nodes_after} elements, JS heap {heap_before:,} -> {heap_after:,} bytes; "
          f"screenshot {artifacts / 'dashboard-10k.png'}")
    controller.close()


def test_the_simulate_flow_feeds_the_page_too(page: Any) -> None:
    """What `lngym simulate --bridge --dashboard` serves, on the twin: payments and rebalances as they end."""
    with Sim(load_scenario("seed")) as network:
        publisher = Publisher()
        relay = SuggestionRelay(network, publisher)
        simulation = Simulation(network, SimulationConfig(payments=300, rebalance_every=100, seed=1))
        relay.attach(simulation)
        thread = BridgeServer(relay, publisher, BridgeSettings(port=0, dashboard_port=0)).start_in_thread()
        try:
            open_dashboard(page, f"http://127.0.0.1:{thread.server.dashboard_port}/")
            assert page.text_content("#source") == "lngym simulate · scenario seed"
            simulation.run()
            rebalances = simulation.stats.summary().rebalances
            page.wait_for_function("total => window.lngym.transactions >= total", arg=300 + rebalances,
                                   timeout=PAGE_WAIT_MS)
            assert_same_shares(page, channel_update_message(network.snapshot(), relay.pubkeys))
            assert rebalances and page.eval_on_selector_all("#feed tr.action", "rows => rows.length") > 0
        finally:
            thread.stop()


# -- the HTTP side and the env_step broadcast, without a browser ---------------------------------

def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.bridge_args("--token", "s3cret/+")
def test_the_page_needs_the_token_and_passes_it_on(bridge: BridgeProcess) -> None:
    assert bridge.page_url.endswith("/?token=s3cret%2F%2B"), bridge.page_url
    bare = bridge.page_url.split("?")[0]
    status, _, body = fetch(bare)
    assert status == 401 and "token" in body
    assert fetch(bare + "?token=wrong")[0] == 401
    status, headers, body = fetch(bridge.page_url)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'sha256-" in headers["Content-Security-Policy"] and "unsafe-inline" not in headers["Content-Security-Policy"]
    settings = json.loads(re.search(r'<script id="lngym-config" type="application/json">(.*?)</script>', body).group(1))  # type: ignore[union-attr]
    assert settings == {"websocket_port": bridge.ports[0]}
    assert fetch(bare + "secrets.txt?token=s3cret%2F%2B")[0] == 404
    with pytest.raises(Exception, match="401"):
        connect(bridge.ws_url, open_timeout=10)


def test_env_step_goes_only_to_clients_that_ask_for_it() -> None:
    with env_bridge(payments_per_step=3) as served:
        observer, plain, controller = Client(served.url), Client(served.url), Client(served.url)
        assert observer.request({"type": "subscribe", "events": True, "env_steps": True}) == \
            {"type": "subscribed", "events": True, "env_steps": True}
        bad = plain.request({"type": "subscribe", "events": True, "env_steps": "yes"})
        assert (bad["type"], bad["code"]) == ("error", "invalid_message")
        controller.request({"type": "reset", "seed": 1})
        result = controller.request({"type": "step", "action": 1})
        seen = [json.loads(observer.ws.recv(timeout=10)) for _ in range(8)]
        assert [m["type"] for m in seen] == ["channel_update", "env_step"] + ["transaction"] * 4 + ["channel_update", "env_step"]
        reset, step = seen[1], seen[7]
        assert (reset["episode"], reset["step"], reset["reward"]) == (1, 0, None)
        assert (step["episode"], step["step"], step["reward"]) == (1, 1, result["reward"]) and "seq" not in step
        assert step["rebalances"][0]["from_node"].startswith("lnd-")
        plain_types = [json.loads(plain.ws.recv(timeout=10))["type"] for _ in range(6)]
        assert plain_types == ["channel_update"] + ["transaction"] * 4 + ["channel_update"]
        for client in (observer, plain, controller):
            client.close()
