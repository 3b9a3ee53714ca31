"""Every policy on the very same seeded episodes: tables, CSVs and plots a researcher can trust.

``evaluate(EvaluationConfig(...))`` builds one env of the scenario (the twin or
live LND), plays each seeded episode with every policy in turn — baselines by
name, trained models by path — and summarises success with 95 % confidence
intervals, fees by kind and the paired difference to the first policy. ``lngym
evaluate`` is thin over it.
"""

from lngym.evaluation.agents import Agent, BaselineAgent, TrainedAgent
from lngym.evaluation.episodes import EpisodeResult, StepRow, play_episode
from lngym.evaluation.evaluate import Evaluation, EvaluationConfig, evaluate
from lngym.evaluation.intervals import Interval, mean_interval
from lngym.evaluation.summary import PolicySummary, summarize

__all__ = [
    "Agent", "BaselineAgent", "EpisodeResult", "Evaluation", "EvaluationConfig", "Interval", "PolicySummary",
    "StepRow", "TrainedAgent", "evaluate", "mean_interval", "play_episode", "summarize",
]
