"""Hand-checkable scenarios: built so that a test's answer can be worked out on paper."""

from __future__ import annotations

from typing import Any

#: Load factor 1, PUE 1 with no temperature response, no inference cycle: an accelerator draws
#: its nameplate in every hour, at the grid as in the hall.
FLAT_OPERATIONS = {
    "load_factor": 1.0,
    "pue": 1.0,
    "pue_temperature_slope_per_c": 0.0,
    "inference_share": 0.0,
    "inference_peak_to_mean": 1.0,
}

#: Lifetimes long enough that nothing retires within a test's years. [years, -]
NO_RETIREMENT = {"lifetime_years": 50.0, "lifetime_weibull_shape": 20.0}


def h100_fleet(count: int) -> list[dict]:
    """One deployment, ``fleet``: ``count`` H100 SXM in service from 2024-12-31 on (1,000 of
    them: 1.275 MW at nameplate)."""
    return [
        {
            "name": "fleet",
            "milestones": [{"date": "2024-12-31", "count": count, "mix": {"h100_sxm": 1.0}}],
        }
    ]


def hand_checkable_scenario(
    *,
    id: str = "hand",
    title: str = "hand-checkable",
    description: str = "hand-checkable",
    default_lifetimes: bool = False,
    **fields: Any,
) -> dict:
    """A scenario file's contents, fresh on each call (a test may change it in place): one
    region of KR over 2025, operations :data:`FLAT_OPERATIONS` and, unless
    ``default_lifetimes``, :data:`NO_RETIREMENT` (with it, the scenario states no lifetimes and
    the defaults' hold). ``fields`` add or replace top-level fields (``deployments``, ``sites``,
    ``operations``, ...)."""
    data = {
        "schema_version": 2,
        "id": id,
        "title": title,
        "description": description,
        "country": "KR",
        "timezone": "Asia/Seoul",
        "horizon": {"start": "2025-01-01", "end": "2025-12-31"},
        "operations": FLAT_OPERATIONS | ({} if default_lifetimes else NO_RETIREMENT),
    }
    return data | fields
