"""Prices for the cost model: read from a TOML file, checked, each with its source (``ragft/cost/prices.toml``).

Every price is an assumption, not a measurement: the file says where each default came from, and
``ragft cost --prices FILE`` takes a team's own. A hosted fine-tuned model has its own token prices and a
training fee, and a provider bills a cached prompt prefix at a discount from a minimum length: a file that
predates those keys gets the base model's prices and no discount, and its ``sources`` say so.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: the prices a prices file must give (``storage_gb_month`` is optional: 0 when absent)
REQUIRED_PRICES = ("cpu_hour", "gpu_hour", "input_per_million", "output_per_million")
OPTIONAL_PRICES = ("storage_gb_month",)
#: a hosted fine-tuned model's prices and prompt caching; a file without one gets the stated fallback (and says so)
HOSTED_PRICES = {
    "ft_input_per_million": "not in the prices file: the base model's input price (no premium)",
    "ft_output_per_million": "not in the prices file: the base model's output price (no premium)",
    "ft_training_per_million": "not in the prices file: no training fee",
    "cached_input_per_million": "not in the prices file: no discount for a cached prefix",
    "ft_cached_input_per_million": "not in the prices file: no discount for a cached prefix",
    "cache_min_tokens": "not in the prices file: any shared prefix is cached",
    "cache_step_tokens": "not in the prices file: cached to the token",
}


class PriceError(ValueError):
    """A prices file that cannot be used (missing, unreadable, a negative or non-numeric price)."""


def default_prices_path() -> Path:
    return Path(__file__).with_name("prices.toml")


@dataclass(frozen=True)
class Prices:
    """Prices in ``currency``. ``hardware`` says which hourly price the measured seconds are billed at."""

    cpu_hour: float
    gpu_hour: float
    input_per_million: float
    output_per_million: float
    storage_gb_month: float = 0.0
    ft_input_per_million: float | None = None  # None: the base model's price (a file that predates these keys)
    ft_output_per_million: float | None = None
    ft_training_per_million: float = 0.0
    cached_input_per_million: float | None = None
    ft_cached_input_per_million: float | None = None
    cache_min_tokens: float = 0.0   # a prompt's shared prefix is cached only from this length (the provider's rule)
    cache_step_tokens: float = 1.0  # ... and in whole steps of this many tokens beyond it
    currency: str = "USD"
    hardware: str = "cpu"
    sources: dict[str, str] = field(default_factory=dict)
    path: str = ""

    @property
    def compute_hour(self) -> float:
        return self.cpu_hour if self.hardware == "cpu" else self.gpu_hour

    def token_prices(self, fine_tuned: bool) -> tuple[float, float, float]:
        """(input, cached input, output) per million tokens: a fine-tuned model's own, or the base model's."""
        base_in = self.input_per_million
        if fine_tuned:
            ft_in = base_in if self.ft_input_per_million is None else self.ft_input_per_million
            cached = ft_in if self.ft_cached_input_per_million is None else self.ft_cached_input_per_million
            out = self.output_per_million if self.ft_output_per_million is None else self.ft_output_per_million
            return ft_in, cached, out
        cached = base_in if self.cached_input_per_million is None else self.cached_input_per_million
        return base_in, cached, self.output_per_million

    def cached_tokens(self, shared_prefix_tokens: float) -> float:
        """How many tokens of a prompt the provider bills as cached, when ``shared_prefix_tokens`` of it are the same
        for every query: none below ``cache_min_tokens``, else the prefix rounded down to whole steps."""
        if shared_prefix_tokens < max(self.cache_min_tokens, 1):
            return 0.0
        step = max(self.cache_step_tokens, 1.0)
        return self.cache_min_tokens + math.floor((shared_prefix_tokens - self.cache_min_tokens) / step) * step

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_prices(path: str | Path | None = None) -> Prices:
    """Read a prices file (TOML); ``None`` reads the course's defaults.

    Raises :class:`PriceError` naming the file, the key and the fix for anything unusable.
    """
    from .. import config

    p = Path(path).expanduser() if path is not None else default_prices_path()
    shown = config.display_path(p)
    if not p.is_file():
        raise PriceError(f"prices file {shown} not found; copy {config.display_path(default_prices_path())} and edit it")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PriceError(f"prices file {shown} is not valid TOML ({err})") from None
    values: dict[str, float] = {}
    for key in REQUIRED_PRICES + OPTIONAL_PRICES + tuple(HOSTED_PRICES):
        if key not in raw:
            if key not in REQUIRED_PRICES:
                continue
            raise PriceError(f"prices file {shown} has no {key!r}; give it as a number, e.g. {key} = 0.5")
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise PriceError(f"prices file {shown}: {key} = {value!r} is not a number; write it without quotes, "
                             f"e.g. {key} = 0.5")
        if value < 0:
            raise PriceError(f"prices file {shown}: {key} = {value} is negative; a price must be 0 or more")
        values[key] = float(value)
    hardware = raw.get("hardware", "cpu")
    if hardware not in ("cpu", "gpu"):
        raise PriceError(f"prices file {shown}: hardware = {hardware!r}; use \"cpu\" or \"gpu\"")
    sources = {k: str(raw.get(f"{k}_source", "given in the prices file, no source stated")) for k in values}
    sources.update({k: why for k, why in HOSTED_PRICES.items() if k not in values})
    return Prices(**values, currency=str(raw.get("currency", "USD")), hardware=hardware, sources=sources,
                  path=str(shown))
