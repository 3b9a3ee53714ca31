"""``lngym evaluate`` on real LND: the same seeded episodes, and a node that dies marks an episode, not the run."""

from __future__ import annotations

import pytest

from lngym.evaluation import EvaluationConfig, evaluate
from lngym.evaluation.episodes import StepRow
from lngym.network.native import NativeNetwork

pytestmark = pytest.mark.live


def test_a_killed_node_marks_its_episode_and_the_run_goes_on(network: NativeNetwork) -> None:
    killed: list[StepRow] = []

    def kill_carol_once(row: StepRow) -> None:
        if row.policy == "none" and row.episode == 0 and row.step == 1:
            network.kill_node("carol")
            killed.append(row)

    config = EvaluationConfig("seed", ["none", "circular"], backend="live", episodes=2, steps=2, seed=3,
                              home=str(network.home), settings={"payments_per_step": 4})
    evaluation = evaluate(config, on_step=kill_carol_once)
    assert killed
    none, circular = evaluation.results["none"], evaluation.results["circular"]
    assert none[0].problem is not None and "carol" in none[0].problem
    assert len(none[0].steps) == 2  # kept, not lost: the step after the kill is recorded too
    assert all(e.complete for e in [none[1], *circular])  # the next reset restarted carol
    assert network.down_nodes() == []
    summary = {row.policy: row for row in evaluation.summaries}
    assert (summary["none"].episodes, summary["none"].marked) == (1, 1)
    assert summary["circular"].difference is not None and summary["circular"].difference.n == 1
    # the same seeded payments for both policies in the episode both completed
    assert [s.volume_sat for s in none[1].steps] == [s.volume_sat for s in circular[1].steps]
