"""The env protocol over real sockets: hello, spaces, reset/step, control, token, limits."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import gymnasium as gym
import numpy as np
import pytest
from bridge_support import Client, env_bridge
from websockets.exceptions import InvalidStatus

import lngym  # noqa: F401  (registers the ids)
from lngym.bridge import check_bind
from lngym.errors import LngymError
from lngym.network.base import PaymentRequest, PaymentResult
from lngym.network.sim import Sim
from lngym.wait import wait_until

SUGGESTION = {"from_node": "lnd-alice", "to_node": "lnd-bob", "amount": 100_000}


@pytest.fixture(scope="module")
def served():
    with env_bridge(payments_per_step=5, max_episode_steps=3) as running:
        yield running


def test_hello_describes_topology_and_spaces(served) -> None:
    client = Client(served.url)
    hello = client.hello
    client.close()
    assert (hello["type"], hello["protocol"], hello["mode"], hello["env_id"]) == ("hello", 1, "env", "LightningSim-v0")
    assert [n["name"] for n in hello["nodes"]] == ["lnd-alice", "lnd-bob", "lnd-carol", "lnd-dave", "lnd-eve"]
    assert all(len(n["pubkey"]) == 66 for n in hello["nodes"])
    assert hello["channels"][0] == {"index": 0, "a": "lnd-alice", "b": "lnd-bob", "capacity": 1_000_000}
    assert hello["observation_space"] == {"type": "Box", "shape": [6], "dtype": "float32", "low": 0.0, "high": 1.0}
    assert hello["action_space"] == {"type": "Discrete", "n": 37, "start": 0}
    assert hello["env_config"]["payments_per_step"] == 5


def test_episode_over_the_socket_matches_the_env_in_process(served) -> None:
    local = gym.make("LightningSim-v0", payments_per_step=5, max_episode_steps=3)
    obs, info = local.reset(seed=7)
    client = Client(served.url)
    reset = client.request({"type": "reset", "seed": 7, "id": "r"})
    assert reset["id"] == "r" and reset["info"] == info
    np.testing.assert_array_equal(np.asarray(reset["observation"], dtype=np.float32), obs)
    for step, action in enumerate([5, 0, SUGGESTION]):
        env_action = 2 if action is SUGGESTION else action  # 1 + (channel 0, a->b)·3 + fraction 0.1
        obs, reward, terminated, truncated, info = local.step(env_action)
        reply = client.request({"type": "step", "action": action, "id": step})
        assert (reply["type"], reply["id"], reply["terminated"], reply["truncated"]) == ("step_result", step, terminated, truncated)
        assert reply["reward"] == reward and reply["info"] == json.loads(json.dumps(info))
        np.testing.assert_array_equal(np.asarray(reply["observation"], dtype=np.float32), obs)
    assert truncated
    ended = client.request({"type": "step", "action": 0})
    assert (ended["type"], ended["code"]) == ("error", "no_episode") and "reset" in ended["error"]
    kinds = [m["data"]["kind"] for m in client.broadcasts if m["type"] == "transaction"]
    assert kinds.count("payment") == 15 and kinds.count("rebalance") == 2
    assert sum(m["type"] == "channel_update" for m in client.broadcasts) == 4  # reset + 3 steps
    client.close()
    local.close()


def test_one_controller_at_a_time_and_control_passes_on_disconnect(served) -> None:
    first, second = Client(served.url), Client(served.url)
    assert first.request({"type": "reset", "seed": 1})["type"] == "reset_result"
    refused = second.request({"type": "step", "action": 0, "id": 9})
    assert (refused["type"], refused["code"], refused["id"]) == ("error", "not_controller", 9)
    assert second.request({"type": "spaces"})["action_space"]["n"] == 37  # observers may ask for spaces
    assert Client(served.url).hello["controller_connected"] is True
    first.close()
    # The server learns of the disconnect asynchronously: control passes within moments.

    def granted() -> dict[str, object] | None:
        reply = second.request({"type": "reset", "seed": 2})
        return None if reply.get("code") == "not_controller" else reply

    reply = wait_until(granted, 5, "control to pass to the second client", interval=0.02)
    assert reply["type"] == "reset_result"
    second.close()


def test_a_client_can_turn_its_broadcasts_off_and_on(served) -> None:
    client = Client(served.url)
    assert client.request({"type": "subscribe", "events": False, "id": 1}) == {"type": "subscribed", "events": False, "id": 1}
    client.request({"type": "reset", "seed": 4})
    client.request({"type": "step", "action": 0})
    assert client.broadcasts == []
    client.request({"type": "subscribe", "events": True})
    client.request({"type": "step", "action": 0})
    assert [m["type"] for m in client.broadcasts] == ["transaction"] * 5 + ["channel_update"]
    client.close()


def test_refused_request_does_not_claim_control(served) -> None:
    first, second = Client(served.url), Client(served.url)
    assert first.request({"type": "rebalance_suggestion", "suggestion": SUGGESTION})["code"] == "use_step"
    assert second.request({"type": "reset"})["type"] == "reset_result"
    first.close()
    second.close()


@pytest.mark.parametrize(("message", "code", "says"), [
    ("{not json", "invalid_json", "not valid JSON"),
    ("[1, 2]", "invalid_message", "expected a JSON object"),
    ({"type": 5}, "invalid_message", "string field 'type'"),
    ({"type": "jump"}, "unknown_type", "unknown message type 'jump'"),
    ({"type": "step", "action": 0, "extra": 1}, "invalid_message", "unknown field 'extra'"),
    ({"type": "step", "action": 37}, "invalid_action", "from 0 to 36"),
    ({"type": "step", "action": True}, "invalid_action", "must be an integer"),
    ({"type": "step", "action": {**SUGGESTION, "from_node": "lnd-zed"}}, "unknown_node", "unknown node 'lnd-zed'"),
    ({"type": "step", "action": {**SUGGESTION, "to_node": "lnd-carol"}}, "no_channel", "no channel between alice and carol"),
    ({"type": "step", "action": {**SUGGESTION, "amount": 0}}, "invalid_amount", "from 1 to the channel's capacity 1000000"),
    ({"type": "step", "action": {**SUGGESTION, "amount": 1_000_001}}, "invalid_amount", "got 1000001"),
    ({"type": "step", "action": {**SUGGESTION, "amount": 10.5}}, "invalid_amount", "whole number of sat"),
    ({"type": "reset", "seed": -1}, "invalid_seed", "seed must be"),
    ({"type": "reset", "options": [1]}, "invalid_options", "options must be an object"),
])
def test_each_kind_of_bad_input_is_named_in_its_error(served, message, code, says) -> None:
    client = Client(served.url)
    reply = client.request(message)
    client.close()
    assert (reply["type"], reply["code"]) == ("error", code) and says in reply["error"], reply


def test_oversized_and_binary_frames_get_an_error_and_the_connection_stays(served) -> None:
    client = Client(served.url)
    big = client.request(json.dumps({"type": "spaces", "pad": "x" * 70_000}))
    assert big["code"] == "too_large" and "65536" in big["error"]
    assert client.request(b"\x00\x01")["code"] == "binary_frame"
    assert client.request({"type": "spaces"})["type"] == "spaces"
    client.close()


class SlowSim(Sim):
    """The twin with a payment as slow as a live one, to make a step take a while."""

    def _pay(self, request: PaymentRequest, keysend: bool, fee_limit_sat: int) -> PaymentResult:
        time.sleep(0.1)
        return super()._pay(request, keysend, fee_limit_sat)


def test_a_slow_step_in_the_worker_thread_leaves_the_server_responsive() -> None:
    with env_bridge(threaded=True, network=SlowSim, payments_per_step=6) as running:
        controller = Client(running.url)
        controller.request({"type": "reset", "seed": 1})
        started = time.monotonic()
        controller.send({"type": "step", "action": 0})
        observer = Client(running.url)
        assert observer.request({"type": "spaces"})["type"] == "spaces"
        answered = time.monotonic() - started
        assert controller.next_reply()["type"] == "step_result"
        stepped = time.monotonic() - started
        assert stepped >= 0.6 and answered < stepped - 0.3, (answered, stepped)  # served mid-step
        events = [json.loads(observer.ws.recv(timeout=5))["type"] for _ in range(7)]
        assert events == ["transaction"] * 6 + ["channel_update"]
        controller.close()
        observer.close()


def test_suggestion_action_on_a_continuous_env_goes_through_the_shared_mapping() -> None:
    with env_bridge(action_type="continuous", payments_per_step=2) as running:
        client = Client(running.url)
        assert client.hello["action_space"]["type"] == "Box"
        client.request({"type": "reset", "seed": 3})
        reply = client.request({"type": "step", "action": {**SUGGESTION, "amount": 150_000}})
        (rebalance,) = reply["info"]["rebalances"]
        assert (rebalance["from_node"], rebalance["to_node"], rebalance["amount_sat"]) == ("alice", "bob", 150_000)
        wrong = client.request({"type": "step", "action": [0.1, 0.2]})
        assert wrong["code"] == "invalid_action" and "6 numbers" in wrong["error"]
        assert client.request({"type": "step", "action": [0.0] * 6})["type"] == "step_result"
        client.close()


def test_token_is_required_when_set() -> None:
    with env_bridge(token="s3cret") as running:
        with pytest.raises(InvalidStatus) as refused:
            Client(running.url)
        assert refused.value.response.status_code == 401
        assert Client(running.url, additional_headers={"Authorization": "Bearer s3cret"}).hello["type"] == "hello"
        assert Client(running.url + "/?token=s3cret").hello["type"] == "hello"


def test_public_address_without_token_is_refused() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", "t")
    with pytest.raises(LngymError, match="without a token"):
        check_bind("0.0.0.0", None)
    cli = subprocess.run([sys.executable, "-m", "lngym.cli.main", "bridge", "--host", "0.0.0.0", "--port", "0"],
                         capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert cli.returncode == 1 and "refusing to listen on 0.0.0.0 without a token" in cli.stderr
