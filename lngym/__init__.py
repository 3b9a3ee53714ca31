"""lngym: a live Lightning Network (LND on Bitcoin regtest) behind a Gymnasium environment."""

__version__ = "0.1.0"
