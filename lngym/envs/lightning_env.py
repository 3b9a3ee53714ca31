"""``LightningEnv``: channel liquidity management on a Lightning network, as a Gymnasium env."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lngym.envs import actions, masks, observations, render
from lngym.envs.config import merge_config
from lngym.errors import NetworkStateError, SettingError
from lngym.network import make as make_network
from lngym.network.attach.registry import attached_scenario, is_attached
from lngym.network.base import (
    PENDING,
    Network,
    PaymentRequest,
    PaymentResult,
    SwapResult,
)
from lngym.policies.decisions import Decision, PolicyState
from lngym.policies.executor import Executed, Executor
from lngym.scenario import Scenario, load_scenario

NetworkFactory = Callable[[Scenario], Network]


class LightningEnv(gym.Env):
    """Keep payments flowing by moving liquidity between channels.

    ## Description
    A network of Lightning nodes (the scenario's topology) carries a seeded
    stream of payments (``lngym.traffic``). Payments drain channels on one
    side until they fail; the agent moves liquidity back with circular
    rebalancing payments, which cost routing fees, and — when the scenario has
    a ``[swap]`` server — with submarine swaps that move funds between the
    chain and a channel, which cost a server and a miner fee and complete only
    after confirmations: each step mines ``blocks_per_step`` blocks after its
    payments. The same class runs on the live LND network
    (``LightningTestnet-v0``) and on the simulated twin (``LightningSim-v0``).

    ## Action Space
    ``Discrete(1 + 2·C·K + 2·S·J)`` for C channels, K ``fractions``, S swap slots
    (channel ends other than the swap server; none without one) and J
    ``swap_fractions``: 0 does nothing; then circular rebalances (channel,
    direction, fraction of capacity), then swaps (slot, in/out, fraction), as
    ``lngym.envs.actions`` describes. ``action_masks()`` says which can be carried
    out now. With ``action_type="continuous"``: ``Box(-1, 1, (C + S,))``, a
    desired shift per channel, then a swap per slot. Actions are carried out by
    ``lngym.policies.Executor`` before the step's payments; ``step_with`` takes a
    policy's decisions instead of an action.

    ## Observation Space
    ``Box(0, 1, (C,), float32)``: per channel, the share of its capacity on its
    first node ``a``'s side, in scenario order. With ``observation_type="chain"``:
    ``Box(0, 1, (2·C + N,))``, those shares, each node's scaled on-chain balance
    and a swap-in-flight flag per channel (``lngym.envs.observations``). With
    ``observation_type="dict"``: ``{"balances": that Box, "success_rate": Box(0, 1,
    (N·(N−1),))}`` (plus ``wallets`` and ``pending`` with a swap server), the
    recent success rate per ordered (sender, receiver) pair (counts decay by
    ``success_decay`` per step; 1.0 for a pair with no payments yet).

    ## Rewards
    ``successes / attempts − fee_weight × fees / volume sent`` for the step's
    ``payments_per_step`` payments, where fees are every fee the step's
    decisions cost: rebalancing routing fees and, for swaps that ended in the
    step, their routing, server and miner fees.

    ## Termination
    ``terminated`` stays False (a network does not reach a goal state); episodes
    are truncated after ``max_episode_steps`` steps (the setting, from the
    scenario or the constructor; ``gym.make(..., max_episode_steps=N)`` adds
    Gymnasium's TimeLimit on top), or when a finite ``defined`` workload runs
    out of payments.

    ## Rendering
    ``render_mode="rgb_array"``: a 960×540 picture (``lngym.envs.render``): the
    graph with each channel as a two-coloured bar split where its liquidity
    divides, a list of the channels (the most one-sided ones of a large
    network) with both shares as text, the step and success rate in the title,
    and a legend. ``"human"``: that picture in a matplotlib window, redrawn
    every step (needs a display; refused at ``make`` without one). ``"ansi"``:
    a balance table. Gymnasium's ``RecordVideo`` records ``rgb_array``
    episodes (with the ``video`` extra, i.e. moviepy).

    ## Registered Configurations
    - ``LightningSim-v0``: the simulated backend (deterministic for a seed).
    - ``LightningTestnet-v0``: the native backend with real LND processes
      (``nondeterministic=True``).

    Settings: ``default_config()`` in ``lngym.envs.config``, overridden by the
    scenario's ``[env]`` table, overridden by keyword arguments.
    """

    metadata: dict[str, Any] = {"render_modes": ["human", "ansi", "rgb_array"], "render_fps": 4}  # noqa: RUF012 (gymnasium.Env declares it per instance)

    def __init__(
        self,
        scenario: Scenario | str | None = None,
        network: Network | NetworkFactory | None = None,
        render_mode: str | None = None,
        **config: Any,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        if isinstance(network, Network) and scenario is None:
            scenario = network.scenario
        if scenario is None and network is None and is_attached(config.get("home")):
            scenario = attached_scenario(config["home"])  # an attached network's nodes define it
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.config = merge_config(self.scenario.env, config)
        self.render_mode = render_mode
        # A window needs a display: checked here, so a headless run fails at make(), not mid-episode.
        self._window = render.Window() if render_mode == "human" else None
        self._given_network = network
        self.network: Network | None = network if isinstance(network, Network) else None
        self._owns_network = False
        self.action_space = self._make_action_space()
        self.observation_space = self._make_observation_space()
        self._workload: Any = None
        self._recorder: Any = None
        self._node_index = {name: i for i, name in enumerate(self.scenario.nodes)}
        self._executor: Executor | None = None
        pairs = observations.pair_count(self.scenario) if self._dict_obs else 0
        self._pair_ok = np.zeros(pairs)
        self._pair_tried = np.zeros(pairs)
        self._steps = 0
        self._last_info: dict[str, Any] = {}

    # -- spaces ---------------------------------------------------------------------------
    def _make_action_space(self) -> spaces.Space:
        if self.config["action_type"] == "continuous":
            return actions.continuous_space(self.scenario)
        return actions.discrete_space(self.scenario, self.config["fractions"], self.config["swap_fractions"])

    def _make_observation_space(self) -> spaces.Space:
        return observations.make_space(self.scenario, self.config["observation_type"])

    # -- Gymnasium API --------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Restore the initial balances exactly and restart the workload from a seed."""
        super().reset(seed=seed)
        network = self._ensure_network()
        hard_reset = self._reset_network(network)
        workload_seed = int(self.np_random.integers(0, 2**63 - 1))
        if self._workload is None:
            from lngym.traffic import Workload

            self._workload = Workload.from_scenario(self.scenario, workload_seed, self.config["traffic_model"])
        else:
            self._workload.reseed(workload_seed)
        self._executor = Executor(
            network, self.config["rebalance_max_fee_ppm"], self.config["rebalance_min_fee_sat"], on_result=self._record
        )
        self._pair_ok[:] = 0.0
        self._pair_tried[:] = 0.0
        self._steps = 0
        self._last_info = {"workload_seed": workload_seed}
        if hard_reset:
            self._last_info["hard_reset"] = True
        if self.render_mode == "human":
            self.render()
        observation, _ = self._observation()
        return observation, dict(self._last_info)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Rebalance or swap as the action says, send the step's payments, mine, score."""
        return self.step_with(self.decisions(action))

    def step_with(self, decisions: list[Decision]) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """A step whose action is a policy's decisions, carried out as given (``lngym.policies``)."""
        if self._workload is None or self.network is None or self._executor is None:
            raise RuntimeError("call reset() before step()")
        executed = self._executor.execute(decisions)
        requests = self._workload.next(self.config["payments_per_step"])
        # Rows are written as each payment ends, so a crash mid-step loses none that finished.
        # One by one unless asked otherwise: payments in flight together hold each other's
        # liquidity on LND, which the twin does not model (benchmarks/RESULTS.md, relay live vs twin).
        results = self.network.pay_many(requests, concurrency=self.config["payment_concurrency"],
                                        on_result=self._record)
        ended = [r for r in executed.results if isinstance(r, SwapResult) and r.status != PENDING]
        if self.scenario.swap is not None:
            mined = self.network.mine(self.config["blocks_per_step"])
            for result in mined:
                self._record(result)
            ended += mined
        self._steps += 1
        info = self._step_info(results, executed, ended)
        reward = info["success_rate"] - self.config["fee_weight"] * info["fee_sat"] / max(info["volume_sat"], 1)
        truncated = self._steps >= self.config["max_episode_steps"] or len(requests) < self.config["payments_per_step"]
        observation, ratios = self._observation()
        info["balances"] = ratios.tolist()
        self._last_info = info
        if self.render_mode == "human":
            self.render()
        return observation, float(reward), False, truncated, info

    def decisions(self, action: Any) -> list[Decision]:
        """The decisions an action of this env's action space stands for."""
        config = self.config
        if config["action_type"] == "continuous":
            return actions.decode_continuous(
                action, self.scenario, config["max_fraction"], config["deadzone"], config["swap_max_fraction"]
            )
        decision = actions.decode_discrete(int(action), self.scenario, config["fractions"], config["swap_fractions"])
        return [decision] if decision is not None else []

    def action_masks(self) -> np.ndarray:
        """Which discrete actions can be carried out now (sb3-contrib MaskablePPO's convention)."""
        if self.config["action_type"] != "discrete":
            raise SettingError("action_masks() needs action_type='discrete'")
        if self.network is None:
            raise RuntimeError("call reset() before action_masks()")
        return masks.action_masks(self.state(), self.config["fractions"], self.config["swap_fractions"])

    def state(self) -> PolicyState:
        """What a policy sees now: channels, wallets, swaps in flight, height."""
        if self.network is None:
            raise RuntimeError("call reset() before state()")
        return PolicyState.of(self.network)

    def peek(self, steps: int) -> list[list[PaymentRequest]]:
        """The payments of the next ``steps`` steps, without consuming them: for lookahead oracles
        in benchmarks only (an agent that peeks is not learning from what it can know)."""
        if self._workload is None:
            raise RuntimeError("call reset() before peek()")
        per_step = self.config["payments_per_step"]
        ahead = self._workload.peek(steps * per_step)
        return [ahead[i * per_step:(i + 1) * per_step] for i in range(steps) if ahead[i * per_step:]]

    def render(self) -> Any:
        """The balance table (``ansi``), the picture (``rgb_array``), or that picture in a window (``human``).

        Nothing to show before the first reset (the network may not exist yet): None.
        """
        if self.render_mode is None or self.network is None:
            return None
        if self.render_mode == "ansi":
            ratios = self._ratios()
            rate = self._last_info.get("success_rate")
            header = f"{self.scenario.name}  step {self._steps}" + (f"  success {rate:.0%}" if rate is not None else "")
            return render.ansi_table(self.scenario, ratios, header)
        if self.render_mode == "rgb_array":
            return render.rgb_array(self.figure())
        assert self._window is not None
        self._window.show(self.figure())
        return None

    def figure(self) -> Any:
        """The picture ``rgb_array`` renders, as a matplotlib Figure: to inspect, or to save as SVG or PDF."""
        if self.network is None:
            raise RuntimeError("call reset() before figure()")
        return render.network_figure(self.scenario, self._ratios(), self._steps, self._last_info.get("success_rate"))

    def close(self) -> None:
        """Close the CSV and stop the network if this env started it (and only then)."""
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None
        if self._window is not None:
            self._window.close()
        if self._owns_network and self.network is not None and self.network.is_started():
            self.network.stop()
        super().close()

    # -- internals ------------------------------------------------------------------------
    def _ensure_network(self) -> Network:
        """The network, created and started on first use when the env owns it."""
        if self.network is None:
            factory = self._given_network if callable(self._given_network) else self._default_factory
            self.network = factory(self.scenario)
            self._owns_network = True
        if self._owns_network and not self.network.is_started():
            self.network.start()
        if self.config["csv"] and self._recorder is None:
            from lngym.recorder import CsvRecorder

            self._recorder = CsvRecorder(self.config["csv"])
        return self.network

    def _default_factory(self, scenario: Scenario) -> Network:
        """A network of the configured backend for ``scenario``.

        With ``home`` a process backend attaches to the network ``lngym up`` left
        running there; without, it launches its own in a temporary home that
        ``close()`` deletes.
        """
        if self.config["backend"] == "sim":
            # Without mission control the twin forgets every failure and finds recovered
            # routes at once; LND keeps avoiding them, which cost relay 10 points of success live.
            return make_network("sim", scenario, mission_control=self.config["mission_control"])
        return make_network(self.config["backend"], scenario, home=self.config["home"])

    def _reset_network(self, network: Network) -> bool:
        """Soft-reset the balances; True if the env had to rebuild a network it owns.

        A network someone else started is never rebuilt behind their back: its
        failed reset raises. One the env launched itself is rebuilt (new node
        identities), which ``info["hard_reset"]`` reports.
        """
        try:
            network.reset_balances()
            return False
        except NetworkStateError:
            if not self._owns_network:
                raise
        network.reset_balances(hard=True)
        return True

    def _record(self, result: PaymentResult) -> None:
        if self._recorder is not None:
            self._recorder.record(result)

    def _step_info(self, results: list[PaymentResult], executed: Executed, ended: list[SwapResult]) -> dict[str, Any]:
        """Counts, fees and failure reasons of one step; also updates the pair success rates.

        A swap's fees count in the step it ends (when they are paid); one that
        failed at once costs nothing. ``fee_sat`` is the sum of the four kinds.
        """
        successes = sum(1 for r in results if r.success)
        rebalances = [r for r in executed.results if not isinstance(r, SwapResult)]
        if self._dict_obs:
            self._count_pairs(results)
        rebalance_fee = sum(r.fee_msat for r in rebalances if r.success) / 1000
        server_fee = sum(s.server_fee_sat for s in ended)
        miner_fee = sum(s.miner_fee_sat for s in ended)
        routing_fee = sum(s.fee_msat / 1000 - s.server_fee_sat - s.miner_fee_sat for s in ended)
        return {
            "step": self._steps,
            "payments": len(results),
            "successes": successes,
            "failures": len(results) - successes,
            "success_rate": successes / len(results) if results else 0.0,
            "volume_sat": sum(r.amount_sat for r in results),
            "payment_fees_sat": sum(r.fee_msat for r in results if r.success) / 1000,
            "rebalance_fee_sat": rebalance_fee,
            "swap_server_fee_sat": server_fee,
            "swap_miner_fee_sat": miner_fee,
            "swap_routing_fee_sat": routing_fee,
            "fee_sat": rebalance_fee + server_fee + miner_fee + routing_fee,
            "rebalances": [_rebalance_info(r) for r in rebalances],
            "swaps": [_swap_info(s) for s in ended],
            "swaps_started": sum(1 for r in executed.results if isinstance(r, SwapResult) and r.status == PENDING),
            "skipped": [{"decision": repr(d), "reason": why} for d, why in executed.skipped],
            "failure_reasons": dict(Counter(r.failure_reason for r in results if not r.success)),
            "nodes_down": self.network.down_nodes() if self.network is not None else [],
        }

    @property
    def _dict_obs(self) -> bool:
        return self.config["observation_type"] == "dict"

    def _count_pairs(self, results: list[PaymentResult]) -> None:
        """Decay the per-pair counts and add this step's payments (pair = s·(N−1) + r′)."""
        self._pair_ok *= self.config["success_decay"]
        self._pair_tried *= self.config["success_decay"]
        others = len(self.scenario.nodes) - 1
        for r in results:
            s, t = self._node_index[r.sender], self._node_index[r.receiver]
            pair = s * others + (t if t < s else t - 1)
            self._pair_tried[pair] += 1.0
            self._pair_ok[pair] += 1.0 if r.success else 0.0

    def _ratios(self) -> np.ndarray:
        assert self.network is not None
        return self.network.balance_ratios()

    def _observation(self) -> tuple[Any, np.ndarray]:
        """The observation, and the channel ratios it was made from (which a step's info reports)."""
        kind = self.config["observation_type"]
        # An observation with wallets reads the channels from the same state: on live
        # LND a snapshot is a round of RPCs to every node, not to be taken twice.
        state = self.state() if kind == "chain" or (kind == "dict" and self.scenario.swap is not None) else None
        ratios = self._ratios() if state is None else np.array([c.ratio_a for c in state.snapshot.channels])
        balances = np.clip(ratios, 0.0, 1.0).astype(np.float32)
        if kind == "balances":
            return balances, ratios
        if kind == "chain":
            assert state is not None
            return np.concatenate(
                [balances, observations.wallet_shares(state), observations.pending_flags(state)]
            ).astype(np.float32), ratios
        rate = np.where(self._pair_tried > 0, self._pair_ok / np.maximum(self._pair_tried, 1e-12), 1.0)
        observation = {"balances": balances, "success_rate": np.clip(rate, 0.0, 1.0).astype(np.float32)}
        if state is not None:
            observation["wallets"] = observations.wallet_shares(state)
            observation["pending"] = observations.pending_flags(state)
        return observation, ratios


def _rebalance_info(result: PaymentResult) -> dict[str, Any]:
    """A rebalance's outcome without its clock fields, so equal seeds give equal infos."""
    return {
        "from_node": result.sender,
        "to_node": result.receiver,
        "amount_sat": result.amount_sat,
        "success": result.success,
        "fee_sat": result.fee_sat,
        "route": list(result.route),
        "attempts": result.attempts,
        "failure_reason": result.failure_reason,
    }


def _swap_info(result: SwapResult) -> dict[str, Any]:
    """An ended swap's outcome, without clock fields; ``failure_detail`` says why one failed in
    words (for a swap live LND refused at its start, LND's own error)."""
    return {
        "swap_id": result.swap_id,
        "kind": result.kind,
        "node": result.node,
        "channel": result.channel,
        "amount_sat": result.amount_sat,
        "success": result.success,
        "status": result.status,
        "fee_sat": result.fee_sat,
        "server_fee_sat": result.server_fee_sat,
        "miner_fee_sat": result.miner_fee_sat,
        "blocks": result.blocks,
        "failure_reason": result.failure_reason,
        "failure_detail": result.failure_detail,
    }
