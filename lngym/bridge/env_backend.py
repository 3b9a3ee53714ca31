"""The env protocol: ``reset`` and ``step`` of a Gymnasium env, driven over the socket.

On live LND the env runs in one worker thread, so a step (tens of ms to
seconds of RPCs) never blocks the event loop: observers keep receiving and
hostile frames keep being answered while it runs. The in-process twin runs on
the loop itself by default: its step never waits on I/O and takes a fraction
of a millisecond, less than the hand-over to a thread and back would cost
(``threaded=True`` forces the worker). Every payment and rebalance the env
makes is published as a ``transaction`` (the bridge observes the env's
network), and every reset and step ends with a ``channel_update`` and, for the
clients that asked, an ``env_step`` (episode, step, reward).
A step's messages are handed to the event loop together when it ends, in
order and before its ``step_result``: one wake-up of the loop per step instead
of one per payment, which keeps the bridge's cost per step low.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, cast

import gymnasium as gym
import numpy as np

import lngym  # noqa: F401  (registers the env ids)
from lngym.bridge.protocol import (
    channel_update_message,
    env_step_message,
    space_json,
    transaction_message,
)
from lngym.bridge.publisher import ClientChannel, Publisher
from lngym.bridge.validation import (
    ProtocolError,
    Request,
    ResetRequest,
    StepRequest,
    Validator,
)
from lngym.envs import actions
from lngym.envs.lightning_env import LightningEnv
from lngym.network.base import Network, NodeInfo, PaymentResult, RebalanceSuggestion
from lngym.policies.decisions import SwapSuggestion


class EnvBackend:
    """Serves one env: the controller resets and steps it, everyone sees its traffic."""

    mode = "env"

    def __init__(self, env_id: str, publisher: Publisher, threaded: bool | None = None, **env_kwargs: Any) -> None:
        self.env_id = env_id
        self.publisher = publisher
        # Through the spec, so every kwarg (max_episode_steps too) reaches the env's own settings
        # instead of being taken by gym.make for a TimeLimit wrapper.
        spec = gym.spec(env_id)
        self.env = gym.make(replace(spec, kwargs={**spec.kwargs, **env_kwargs}))
        self.base = cast(LightningEnv, self.env.unwrapped)
        self.scenario = self.base.scenario
        self.validator = Validator(self.scenario, self.env.action_space)
        self.node_infos: list[NodeInfo] = []
        self.pubkeys: dict[str, str] = {}
        self.network: Network | None = None
        self.episode = "none"  # none | running | ended
        self.episodes = 0
        self._outbox: list[dict[str, Any]] = []
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lngym-env")
        self._threaded = threaded
        self.threaded = True  # until prepare() knows what kind of network the env has

    def prepare(self) -> None:
        """Start the env's network (a first reset) and learn the pubkeys, before clients connect."""
        self._worker.submit(self._warm_up).result()

    def _warm_up(self) -> None:
        self.env.reset()
        assert self.base.network is not None  # reset() creates it
        self.network = self.base.network
        self.network.add_observer(self._publish_result)
        if self._threaded is None:
            self.threaded = not self.network.in_process
        else:
            self.threaded = self._threaded
        self.node_infos = self.network.nodes()
        self.pubkeys = {node.name: node.pubkey for node in self.node_infos}

    def spaces(self) -> dict[str, Any]:
        """The spaces as ``hello`` and ``spaces`` describe them."""
        return {
            "observation_space": space_json(self.env.observation_space),
            "action_space": space_json(self.env.action_space),
        }

    def settings(self) -> dict[str, Any]:
        """Env id and configuration for ``hello``."""
        return {"env_id": self.env_id, "env_config": dict(self.base.config)}

    async def handle(self, request: Request, client: ClientChannel) -> dict[str, Any]:
        """Run a reset or step (checked first, then carried out by ``_call``) and build the reply."""
        if isinstance(request, ResetRequest):
            obs, info = await self._call(self._reset, request.seed, request.options)
            return _with_id({"type": "reset_result", "observation": obs, "info": info}, request.id)
        if isinstance(request, StepRequest):
            if self.episode != "running":
                reason = "the episode has ended; send reset" if self.episode == "ended" else "send reset before step"
                raise ProtocolError("no_episode", reason)
            action = self._env_action(request.action)
            obs, reward, terminated, truncated, info = await self._call(self._step, action)
            return _with_id({"type": "step_result", "observation": obs, "reward": reward,
                             "terminated": terminated, "truncated": truncated, "info": info}, request.id)
        raise ProtocolError(
            "use_step", "this bridge serves an env: send the suggestion as a step action, "
            '{"type": "step", "action": {"from_node": ..., "to_node": ..., "amount": ...}}',
        )

    async def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run an env call in the worker thread (live network) or right here (the twin)."""
        if not self.threaded:
            return function(*args)
        return await asyncio.get_running_loop().run_in_executor(self._worker, function, *args)

    def _env_action(self, action: int | list[float] | RebalanceSuggestion | SwapSuggestion) -> Any:
        """The env's action for a validated one; a suggestion goes through the shared mapping."""
        config = self.base.config
        if isinstance(action, (RebalanceSuggestion, SwapSuggestion)):
            if config["action_type"] == "continuous":
                return actions.encode_continuous(
                    action, self.scenario, config["max_fraction"], config["swap_max_fraction"]
                )
            return actions.encode_suggestion(action, self.scenario, config["fractions"], config["swap_fractions"])
        if isinstance(action, list):
            return np.asarray(action, dtype=np.float32)
        return action

    def _reset(self, seed: int | None, options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.episode = "running"
        self.episodes += 1
        self._publish_snapshot(env_step_message(self.episodes, None, False, False, {}))
        return obs, info

    def _step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            self.episode = "ended"
        self._publish_snapshot(env_step_message(self.episodes, float(reward), bool(terminated), bool(truncated), info))
        return obs, float(reward), bool(terminated), bool(truncated), info

    def _publish_result(self, result: PaymentResult) -> None:
        if self.publisher.listening:
            self._outbox.append(transaction_message(result))

    def _publish_snapshot(self, env_step: dict[str, Any]) -> None:
        """Publish the call's transactions, the channels after it and its ``env_step``, in one hand-over."""
        outbox, self._outbox = self._outbox, []
        if self.publisher.listening and self.network is not None:
            outbox.append(channel_update_message(self.network.snapshot(), self.pubkeys))
            outbox.append(env_step)
            self.publisher.publish_many(outbox)

    def close(self) -> None:
        """Close the env (which stops a network it started) and the worker."""
        self._worker.submit(self.env.close).result()
        self._worker.shutdown()


def _with_id(message: dict[str, Any], request_id: Any) -> dict[str, Any]:
    if request_id is not None:
        message["id"] = request_id
    return message
