"""Entry point for ``python -m tap_infinity``."""

from tap_infinity.tap import TapInfinity

TapInfinity.cli()
