"""``LightningEnv``: channel liquidity management on a Lightning network, as a Gymnasium env."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from lngym.envs import actions, render
from lngym.envs.config import merge_config
from lngym.errors import NetworkStateError, ScenarioError
from lngym.network import make as make_network
from lngym.network.base import Network, PaymentResult, RebalanceSuggestion
from lngym.scenario import Scenario, load_scenario

NetworkFactory = Callable[[Scenario], Network]
#: Largest per-pair success-rate vector the Dict observation builds (about 300 nodes).
MAX_PAIRS = 100_000


class LightningEnv(gym.Env):
    """Keep payments flowing by moving liquidity between channels.

    ## Description
    A network of Lightning nodes (the scenario's topology) carries a seeded
    stream of payments (``lngym.traffic``). Payments drain channels on one
    side until they fail; the agent moves liquidity back with circular
    rebalancing payments, which cost routing fees. The same class runs on the
    live LND network (``LightningTestnet-v0``) and on the simulated twin
    (``LightningSim-v0``).

    ## Action Space
    ``Discrete(1 + 2·C·K)`` for C channels and K ``fractions``: 0 does nothing;
    otherwise (channel, direction, fraction of capacity) as described in
    ``lngym.envs.actions``. With ``action_type="continuous"``: ``Box(-1, 1, (C,))``,
    a desired shift per channel. Actions are carried out with
    ``Network.rebalance`` before the step's payments.

    ## Observation Space
    ``Box(0, 1, (C,), float32)``: per channel, the share of its capacity on its
    first node ``a``'s side, in scenario order. With ``observation_type="dict"``:
    ``{"balances": that Box, "success_rate": Box(0, 1, (N·(N−1),))}``, the recent
    success rate per ordered (sender, receiver) pair (counts decay by
    ``success_decay`` per step; 1.0 for a pair with no payments yet).

    ## Rewards
    ``successes / attempts − fee_weight × rebalancing fees / volume sent`` for
    the step's ``payments_per_step`` payments.

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
        pairs = len(self.scenario.nodes) * (len(self.scenario.nodes) - 1) if self._dict_obs else 0
        self._pair_ok = np.zeros(pairs)
        self._pair_tried = np.zeros(pairs)
        self._steps = 0
        self._last_info: dict[str, Any] = {}

    # -- spaces ---------------------------------------------------------------------------
    def _make_action_space(self) -> spaces.Space:
        if self.config["action_type"] == "continuous":
            return actions.continuous_space(self.scenario)
        return actions.discrete_space(self.scenario, self.config["fractions"])

    def _make_observation_space(self) -> spaces.Space:
        balances = spaces.Box(0.0, 1.0, (len(self.scenario.channels),), dtype=np.float32)
        if not self._dict_obs:
            return balances
        pairs = len(self.scenario.nodes) * (len(self.scenario.nodes) - 1)
        if pairs > MAX_PAIRS:
            raise ScenarioError(
                f"observation_type='dict' needs a success rate per node pair ({pairs:,} for "
                f"{len(self.scenario.nodes):,} nodes, more than {MAX_PAIRS:,}); use 'balances'"
            )
        return spaces.Dict(
            {"balances": balances, "success_rate": spaces.Box(0.0, 1.0, (pairs,), dtype=np.float32)}
        )

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
        self._pair_ok[:] = 0.0
        self._pair_tried[:] = 0.0
        self._steps = 0
        self._last_info = {"workload_seed": workload_seed}
        if hard_reset:
            self._last_info["hard_reset"] = True
        if self.render_mode == "human":
            self.render()
        return self._observation(), dict(self._last_info)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Rebalance as the action says, send the step's payments, score them."""
        if self._workload is None or self.network is None:
            raise RuntimeError("call reset() before step()")
        rebalances = [self._rebalance(s) for s in self._suggestions(action)]
        requests = self._workload.next(self.config["payments_per_step"])
        # Rows are written as each payment ends, so a crash mid-step loses none that finished.
        results = self.network.pay_many(requests, on_result=self._record)
        self._steps += 1
        info = self._step_info(results, rebalances)
        reward = info["success_rate"] - self.config["fee_weight"] * info["rebalance_fee_sat"] / max(info["volume_sat"], 1)
        truncated = self._steps >= self.config["max_episode_steps"] or len(requests) < self.config["payments_per_step"]
        self._last_info = info
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(reward), False, truncated, info

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

    def _suggestions(self, action: Any) -> list[RebalanceSuggestion]:
        """The rebalances an action asks for (through the shared mapping in ``actions``)."""
        if self.config["action_type"] == "continuous":
            return actions.decode_continuous(
                action, self.scenario, self.config["max_fraction"], self.config["deadzone"]
            )
        suggestion = actions.decode_discrete(int(action), self.scenario, self.config["fractions"])
        return [suggestion] if suggestion is not None else []

    def _rebalance(self, suggestion: RebalanceSuggestion) -> PaymentResult:
        assert self.network is not None
        budget = actions.max_fee_sat(
            suggestion.amount_sat, self.config["rebalance_max_fee_ppm"], self.config["rebalance_min_fee_sat"]
        )
        result = self.network.rebalance(suggestion.from_node, suggestion.to_node, suggestion.amount_sat, budget)
        self._record(result)
        return result

    def _record(self, result: PaymentResult) -> None:
        if self._recorder is not None:
            self._recorder.record(result)

    def _step_info(self, results: list[PaymentResult], rebalances: list[PaymentResult]) -> dict[str, Any]:
        """Counts, fees and failure reasons of one step; also updates the pair success rates."""
        successes = sum(1 for r in results if r.success)
        if self._dict_obs:
            self._count_pairs(results)
        return {
            "step": self._steps,
            "payments": len(results),
            "successes": successes,
            "failures": len(results) - successes,
            "success_rate": successes / len(results) if results else 0.0,
            "volume_sat": sum(r.amount_sat for r in results),
            "payment_fees_sat": sum(r.fee_msat for r in results if r.success) / 1000,
            "rebalance_fee_sat": sum(r.fee_msat for r in rebalances if r.success) / 1000,
            "rebalances": [_rebalance_info(r) for r in rebalances],
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

    def _observation(self) -> Any:
        balances = np.clip(self._ratios(), 0.0, 1.0).astype(np.float32)
        if not self._dict_obs:
            return balances
        rate = np.where(self._pair_tried > 0, self._pair_ok / np.maximum(self._pair_tried, 1e-12), 1.0)
        return {"balances": balances, "success_rate": np.clip(rate, 0.0, 1.0).astype(np.float32)}


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
