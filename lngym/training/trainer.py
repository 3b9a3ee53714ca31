"""``train``: one entry point for ``lngym train``, the demo and the example scripts.

Trains on the twin (LightningSim-v0) built from a scenario, with K subprocess
envs, periodic evaluation on held-out workload seeds (the best model kept),
checkpoints, and the training record appended to every zip it leaves. SB3 and
torch are imported here, inside the functions, so ``import lngym.training``
stays cheap for code that only reads a model's record.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path
from typing import Any

import gymnasium as gym

import lngym  # noqa: F401  (registers the env ids, also in subprocesses)
from lngym.envs.config import merge_config
from lngym.errors import SettingError
from lngym.scenario import load_scenario
from lngym.training.algos import ACTION_TYPES, ALGOS, algo_class, require
from lngym.training.model_info import (
    ModelInfo,
    read_model_info,
    recorded_config,
    scenario_fingerprint,
    write_model_info,
)

SIM_ID = "LightningSim-v0"
LIVE_ID = "LightningTestnet-v0"

#: Evaluation episodes start their workloads from seeds no training env uses.
EVAL_SEED_OFFSET = 10_000


def make_env(env_id: str, scenario: str, settings: dict[str, Any], maskable: bool) -> gym.Env:
    """One env (module level, so SubprocVecEnv can pickle the factory)."""
    env = gym.make(env_id, scenario=scenario, **settings)
    if maskable:
        from sb3_contrib.common.wrappers import ActionMasker

        env = ActionMasker(env, lambda e: e.unwrapped.action_masks())
    return env


def algo_settings(algo: str, settings: dict[str, Any] | None) -> dict[str, Any]:
    """The env settings for ``algo``: SAC needs continuous actions, the others must get what they need."""
    settings = dict(settings or {})
    if algo not in ALGOS:
        raise SettingError(f"unknown algo {algo!r}; expected one of {', '.join(ALGOS)}")
    if algo == "sac":
        settings.setdefault("action_type", "continuous")
    action_type = settings.get("action_type", "discrete")
    if action_type not in ACTION_TYPES[algo]:
        raise SettingError(f"algo {algo} needs action_type {' or '.join(ACTION_TYPES[algo])}, got {action_type!r}")
    return settings


def algo_kwargs(algo: str, timesteps: int, envs: int) -> dict[str, Any]:
    """Hyperparameters that let short runs (a test's few hundred steps) still update the policy."""
    if algo in ("ppo", "maskable-ppo"):
        n_steps = max(32, min(1024, timesteps // envs))
        return {"n_steps": n_steps, "batch_size": min(64, n_steps * envs)}
    return {"learning_starts": min(100, max(timesteps // 4, 1))}


def vec_env(env_id: str, scenario: str, settings: dict[str, Any], maskable: bool, envs: int, seed: int) -> Any:
    """K envs (subprocesses when K > 1), each monitored and seeded ``seed + i``."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    factory = functools.partial(make_env, env_id, scenario, settings, maskable)
    return make_vec_env(factory, n_envs=envs, seed=seed, vec_env_cls=SubprocVecEnv if envs > 1 else DummyVecEnv)


def callbacks(
    algo: str, eval_env: Any, out: Path, eval_every: int, eval_episodes: int, envs: int, timesteps: int
) -> list[Any]:
    """Checkpoints (at each evaluation, else every tenth of the run), and an evaluation that keeps the best model.

    Frequencies count calls, each of which steps all ``envs`` at once, hence the division.
    """
    from stable_baselines3.common.callbacks import CheckpointCallback, EvalCallback

    every = max((eval_every or timesteps // 10) // envs, 1)
    result: list[Any] = [CheckpointCallback(every, str(out / "checkpoints"), name_prefix="model")]
    if eval_env is not None:
        if algo == "maskable-ppo":
            from sb3_contrib.common.maskable.callbacks import (
                MaskableEvalCallback as Eval,
            )
        else:
            Eval = EvalCallback
        result.append(Eval(eval_env, best_model_save_path=str(out), log_path=str(out), eval_freq=every,
                           n_eval_episodes=eval_episodes, deterministic=True, verbose=0))
    return result


def saved_at(path: Path, steps: list[Any], final: int) -> int:
    """The training step at which ``path`` was saved: a checkpoint's from its name, the best model's from its evaluation."""
    if path.parent.name == "checkpoints":
        return int(path.stem.split("_")[-2])  # model_<steps>_steps
    if path.name == "best_model.zip":
        evaluation = steps[-1]
        means = [float(sum(results)) / len(results) for results in evaluation.evaluations_results]
        return int(evaluation.evaluations_timesteps[means.index(max(means))])  # the first best, as EvalCallback keeps
    return final


def train(
    scenario: str,
    algo: str,
    timesteps: int,
    *,
    envs: int = 1,
    out: str | Path = "runs/model",
    seed: int = 0,
    eval_every: int = 5_000,
    eval_episodes: int = 5,
    tensorboard: str | Path | None = None,
    finetune_live: str | Path | None = None,
    settings: dict[str, Any] | None = None,
    progress: bool = False,
) -> Path:
    """Train ``algo`` on the twin of ``scenario`` and return the best model's zip (else the final one).

    ``out`` receives ``model.zip`` (final), ``best_model.zip`` (best evaluation on
    held-out seeds ``10_000 + seed …``) and ``checkpoints/``. ``finetune_live``
    continues that model on LightningTestnet-v0 (real LND, one env, no evaluation)
    for ``timesteps`` steps instead; ``algo`` must then be the model's.
    """
    if timesteps < 1 or envs < 1 or eval_episodes < 1 or eval_every < 0:
        raise SettingError("timesteps, envs and eval_episodes must be 1 or more, eval_every 0 or more")
    require("stable_baselines3")
    if algo == "maskable-ppo":
        require("sb3_contrib")
    out = Path(out)
    source = load_scenario(scenario)
    base: ModelInfo | None = None
    if finetune_live is not None:
        base = read_model_info(finetune_live)
        if base.algo != algo:
            raise SettingError(f"model {finetune_live} was trained with {base.algo}; fine-tune it with --algo {base.algo}")
        if base.scenario_name != source.name or base.scenario_fingerprint != scenario_fingerprint(source):
            raise SettingError(f"model {finetune_live} was trained on scenario {base.scenario_name!r}; "
                               f"this run is on {source.name!r}")
        settings = {**base.env_config, **(settings or {})}
    settings = algo_settings(algo, settings)
    config = merge_config(source.env, settings)  # bad settings fail here, before any process starts
    scenario_arg = str(source.path) if source.path is not None else scenario
    maskable = algo == "maskable-ppo"
    out.mkdir(parents=True, exist_ok=True)

    cls = algo_class(algo)
    started = time.time()
    if base is None:
        env = vec_env(SIM_ID, scenario_arg, settings, maskable, envs, seed)
        eval_env = (vec_env(SIM_ID, scenario_arg, settings, maskable, 1, EVAL_SEED_OFFSET + seed)
                    if eval_every else None)
        policy = "MultiInputPolicy" if isinstance(env.observation_space, gym.spaces.Dict) else "MlpPolicy"
        model = cls(policy, env, seed=seed, verbose=0, device="cpu",
                    tensorboard_log=str(tensorboard) if tensorboard else None, **algo_kwargs(algo, timesteps, envs))
    else:
        env = vec_env(LIVE_ID, scenario_arg, settings, maskable, 1, seed)
        eval_env = None
        model = cls.load(finetune_live, env=env, device="cpu",
                         tensorboard_log=str(tensorboard) if tensorboard else None)
    try:
        steps = callbacks(algo, eval_env, out, eval_every, eval_episodes, envs, timesteps)
        model.learn(total_timesteps=timesteps, callback=steps,
                    progress_bar=progress, reset_num_timesteps=base is None)
        final = out / "model.zip"
        model.save(final)
    finally:
        env.close()
        if eval_env is not None:
            eval_env.close()

    info = ModelInfo(algo=algo, scenario_name=source.name, scenario_fingerprint=scenario_fingerprint(source),
                     env_config=recorded_config(config), timesteps=int(model.num_timesteps), seed=seed,
                     finetuned_from=str(finetune_live) if finetune_live is not None else None)
    best = out / "best_model.zip"
    # Only this run's zips: a best model or checkpoint left in ``out`` by an earlier run is not this model.
    saved = [path for path in [final, best, *sorted((out / "checkpoints").glob("*.zip"))]
             if path.is_file() and path.stat().st_mtime >= started]
    for path in saved:
        write_model_info(path, dataclasses.replace(info, timesteps=saved_at(path, steps, info.timesteps)))
    return best if best in saved else final
