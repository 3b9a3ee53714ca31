"""Every registered lngym id, as MiniGrid tests its envs: Gymnasium's checker, same-seed
determinism (where not ``nondeterministic``), every render mode, pickling of a fresh env;
plus the seed's picture (its text objects, its size) and RecordVideo.

LightningTestnet-v0 runs under ``live`` (real lnd), attached to the session's seed network.
``human`` needs a display: its tests run in a subprocess under Xvfb, which must be installed
(`apt-get install xvfb`); without it they fail saying so, never skip.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence
from gymnasium.wrappers import RecordVideo

import lngym  # noqa: F401  (registers the ids)
from lngym.envs import render
from lngym.envs.registration import ENV_IDS

SEED_NODES = {"alice", "bob", "carol", "dave", "eve"}


def live(env_id: str) -> bool:
    return gym.spec(env_id).kwargs.get("backend") == "native"


# The live ids fetch the seed network at run time (request.getfixturevalue): this puts them
# on the session's native seed network rather than a second one (tests/live_harness.py).
pytestmark = pytest.mark.usefixtures("live_backend")

IDS = [pytest.param(env_id, marks=[pytest.mark.live] if live(env_id) else []) for env_id in ENV_IDS]


@pytest.fixture
def make(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``gym.make`` for the id under test; a live id attaches to the session's seed network."""
    made: list[gym.Env] = []

    def factory(env_id: str, **kwargs: Any) -> gym.Env:
        if live(env_id):
            kwargs["home"] = str(request.getfixturevalue("network").home)
        env = gym.make(env_id, **kwargs)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.close()


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id: str, make: Any) -> None:
    # The render checks make fresh envs from the spec (for "human" too); they run under Xvfb below.
    check_env(make(env_id, payments_per_step=4).unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", [env_id for env_id in ENV_IDS if not gym.spec(env_id).nondeterministic])
def test_same_seed_same_trajectory(env_id: str, make: Any) -> None:
    def rollout() -> list[Any]:
        env = make(env_id, payments_per_step=20)
        env.action_space.seed(5)
        trajectory = [env.reset(seed=5)]
        trajectory += [env.step(env.action_space.sample()) for _ in range(20)]
        return trajectory

    assert data_equivalence(rollout(), rollout())


@pytest.mark.parametrize("env_id", IDS)
def test_ansi_and_rgb_array_render_after_reset_and_steps(env_id: str, make: Any) -> None:
    for mode in ("ansi", "rgb_array"):
        env = make(env_id, render_mode=mode, payments_per_step=3)
        assert env.unwrapped.render() is None, "nothing to draw before the first reset"
        env.reset(seed=1)
        first = env.render()
        env.step(1)
        picture = env.render()
        if mode == "ansi":
            assert isinstance(picture, str) and "alice - bob" in picture and "step 1" in picture
        else:
            assert picture.shape == first.shape == (render.FRAME_SIZE[1], render.FRAME_SIZE[0], 3)
            assert picture.dtype == np.uint8 and not np.array_equal(first, picture)


@pytest.mark.parametrize("env_id", IDS)
def test_a_fresh_env_pickles(env_id: str) -> None:
    env = gym.make(env_id)
    copy = pickle.loads(pickle.dumps(env))
    assert copy.spec.id == env_id and copy.observation_space == env.observation_space
    assert copy.unwrapped.network is None
    if not live(env_id):
        copy.reset(seed=1)
        assert copy.step(0)[4]["payments"] == 10
    copy.close()


def test_human_mode_without_a_display_warns_and_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless, ``human`` says once why nothing is shown and the env works: Gymnasium's
    ``check_env``, which makes the env in every declared render mode, passes."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.warns(RuntimeWarning, match="shows nothing here: there is no display.*rgb_array"):
        env = gym.make("LightningSim-v0", render_mode="human")
    assert not env.unwrapped._window.can_show
    env.reset(seed=1)
    env.step(0)
    assert env.render() is None
    env.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(gym.make("LightningSim-v0").unwrapped)


def test_the_seeds_picture_names_every_node_at_a_fixed_size() -> None:
    env = gym.make("LightningSim-v0", render_mode="rgb_array")
    env.reset(seed=1)
    for _ in range(40):
        _, _, _, _, info = env.step(0)
    figure = env.unwrapped.figure()
    texts = [t.get_text() for t in figure.findobj(lambda artist: hasattr(artist, "get_text"))]
    assert SEED_NODES <= set(texts)
    assert figure.get_suptitle() == f"seed  ·  step 40  ·  success rate {info['success_rate']:.0%}"
    shares = [t for t in texts if "|" in t]  # the list beside the graph: every channel of the seed
    assert len(shares) == 6, shares
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["liquidity on the channel's first node (a)", "liquidity on its second node (b)"]
    assert env.render().shape == (540, 960, 3)
    env.close()


def test_large_scenarios_keep_the_size_and_thin_the_labels() -> None:
    for scenario in ("scale100", "scale1000"):
        env = gym.make("LightningSim-v0", scenario=scenario, render_mode="rgb_array")
        env.reset(seed=1)
        env.step(0)
        figure = env.unwrapped.figure()
        names = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_gid") and a.get_gid() == "node-label")]
        assert 0 < len(names) <= render.MAX_NODE_LABELS
        assert len([t for t in figure.findobj(lambda a: getattr(a, "get_gid", lambda: None)() == "share-label")]) \
            == render.MAX_LISTED
        assert env.render().shape == (540, 960, 3)
        env.close()


def test_record_video_records_an_episode(tmp_path: Path) -> None:
    env = RecordVideo(gym.make("LightningSim-v0", render_mode="rgb_array", max_episode_steps=6),
                      str(tmp_path / "videos"), episode_trigger=lambda episode: True, disable_logger=True)
    env.reset(seed=1)
    truncated = False
    while not truncated:
        _, _, _, truncated, _ = env.step(0)
    env.close()
    videos = list((tmp_path / "videos").glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 5_000
    from moviepy import VideoFileClip

    with VideoFileClip(str(videos[0])) as clip:
        assert tuple(clip.size) == render.FRAME_SIZE and clip.duration == pytest.approx(7 / 4, abs=0.3)


# -- human: a real window on a virtual display ---------------------------------------------------

HUMAN_SCRIPT = """
import json, sys
import gymnasium as gym, matplotlib
import lngym
from gymnasium.utils.env_checker import check_env
env_id, kwargs, full_check = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
env = gym.make(env_id, render_mode="human", payments_per_step=3, **kwargs)
env.reset(seed=1)
assert env.render() is None
env.step(1)
import matplotlib.pyplot as plt
window = plt.figure("lngym")
print(json.dumps({"backend": matplotlib.get_backend(), "figures": plt.get_fignums(),
                  "size": list(window.canvas.get_width_height())}))
env.close()
if full_check:
    check_env(gym.make(env_id).unwrapped, skip_render_check=False)
"""


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A virtual X display (Xvfb) for the windows of render_mode="human"."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("render_mode='human' is tested on a virtual display: install Xvfb (`apt-get install xvfb`)",
                    pytrace=False)
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not report its display"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.parametrize("env_id", IDS)
def test_human_mode_opens_a_window(env_id: str, display: str, request: pytest.FixtureRequest) -> None:
    kwargs = {"home": str(request.getfixturevalue("network").home)} if live(env_id) else {}
    environment = dict(os.environ, DISPLAY=display)
    environment.pop("MPLBACKEND", None)
    result = subprocess.run([sys.executable, "-c", HUMAN_SCRIPT, env_id, json.dumps(kwargs), "0" if live(env_id) else "1"],
                            check=False, capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[0])
    assert shown["backend"].lower() != "agg" and shown["figures"] == [1], shown
