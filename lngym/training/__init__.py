"""Training liquidity policies with stable-baselines3, and loading them back for evaluation.

``import lngym.training`` is cheap: SB3 and torch load only when a model is
trained or loaded (``pip install 'lngym[train]'``).
"""

from lngym.training.model_info import ModelInfo, env_settings, read_model_info
from lngym.training.policy import TrainedPolicy, load_policy
from lngym.training.trainer import train

__all__ = ["ModelInfo", "TrainedPolicy", "env_settings", "load_policy", "read_model_info", "train"]
