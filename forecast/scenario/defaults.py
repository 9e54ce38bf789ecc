"""The scenario format's limits, defaults and allowed ranges: one statement each.

Part of :mod:`forecast.scenario`; the package's ``__init__`` lists the public names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final, Literal

from forecast.errors import worded_pattern

SCHEMA_VERSION: Final = 2
MAX_MILESTONES = 200
MAX_SITES = 500
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP "CSV
#: injection", https://owasp.org/www-community/attacks/CSV_Injection): a site's name, which
#: the tidy CSV writes as it is, may not start with one, and the service's CSV prefixes any
#: other text cell that does with ``'``.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Longest display name of a region (``region_labels``). [characters]
REGION_LABEL_MAX_LENGTH = 80
MAX_DEPLOYMENTS = 50
MAX_HORIZON_YEARS = 30
MAX_TREND_POINTS = 50
MAX_TAGS = 50
MAX_TAG_LENGTH = 64
MAX_NOTES_LENGTH = 50_000  # the longest shipped notes (global-iea-2025) are 8,605
#: Most caveats a scenario gives, and the longest: each is one line of the printed summary.
MAX_CAVEATS = 10
MAX_CAVEAT_LENGTH = 400  # [characters]; the longest shipped caveat (kr-outlook's) is 336
#: Largest scenario file read; a shipped one is a few kB. [bytes]
MAX_SCENARIO_FILE_BYTES = 2_000_000
# No baseline model or scenario is meaningful outside these years, and calendar arithmetic
# (pandas nanosecond timestamps) overflows past 2262.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
SCENARIO_ID_PATTERN = worded_pattern(
    r"^[a-z0-9][a-z0-9-]{0,63}$",
    "a scenario id: lowercase letters, digits and '-', 1..64 characters, the first a letter or "
    "digit",
)
#: ``country``: an ISO 3166-1 alpha-2 code, or ``world`` for a case with no national calendar
#: and no national grid (global or multi-country studies: no holidays, no baseline model).
COUNTRY_PATTERN = worded_pattern(
    r"^([A-Z]{2}|world)$", "a country: its ISO 3166 two-letter code in capitals (KR), or world"
)
#: ``weather_location``: a location's name (:mod:`forecast.weather.locations`).
WEATHER_LOCATION_PATTERN = worded_pattern(
    r"^[a-z0-9][a-z0-9_-]*$",
    "a location name: lowercase letters, digits, '_' and '-', the first a letter or digit",
)
#: ``baseline_model``: ``MODEL_ID[@VERSION]``.
BASELINE_MODEL_PATTERN = worded_pattern(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9][A-Za-z0-9._-]*)?$",
    "a model id, or id@version: letters, digits, '.', '_' and '-', each starting with a "
    "letter or digit",
)
#: Zones an error names as examples of IANA time zone names.
TIME_ZONE_EXAMPLES = "Asia/Tokyo, Europe/Dublin, America/New_York or UTC"
WORLD = "world"

Status = Literal["operating", "under_construction", "announced", "speculative"]
Cooling = Literal["air", "hybrid", "liquid"]

#: Where the build probability and commissioning delay by status come from, said wherever a
#: site takes them (a Japanese analyst found them only in a code comment).
STATUS_DEFAULTS_SOURCE = (
    "assumption: no facts.csv row gives the share of announced data centres that get built; "
    "the nearest, facts.csv:kr_dc_notifications_speculative_share (KEPCO's special audit, "
    "high confidence), found 64.8 % of the MW notified to it for data centres in 2020-2023 "
    "(678 of 1,001 notifications) not for real demand, so about 35 % of notified MW real; a "
    "notification is a grid filing, speculative ones included, a wider and weaker population "
    "than a publicly announced project, so announced is kept at 0.5 and speculative at 0.2 "
    "below it (MW-weighted over kr-dc-pipeline's announced and speculative sites the defaults "
    "give 0.22, under the audit's 0.35); KEPCO also finds ~55 % of power-receipt "
    "notifications duplicates (kr_dc_new_requests_2029_mw); ranges considered: announced "
    "0.3-0.7, speculative 0.1-0.3; give a site its own build_probability and delay_months "
    "where your grid's record says otherwise"
)
# Build probability and commissioning delay by status when a site gives none.
STATUS_DEFAULTS: dict[str, dict[str, Any]] = {
    "operating": {"build_probability": 1.0, "delay_months": (0.0, 0.0, 0.0)},
    "under_construction": {"build_probability": 0.9, "delay_months": (0.0, 3.0, 12.0)},
    "announced": {"build_probability": 0.5, "delay_months": (0.0, 12.0, 36.0)},
    "speculative": {"build_probability": 0.2, "delay_months": (6.0, 24.0, 60.0)},
}

# PUE temperature slope multiplier by cooling type. Assumption: liquid-cooled halls reject most
# heat through warm-water loops that need little chiller work; air-cooled halls the most.
# Ranges considered: hybrid 0.4-0.8, liquid 0.2-0.5 of the air-cooled slope.
COOLING_SLOPE_FACTOR: dict[str, float] = {"air": 1.0, "hybrid": 0.6, "liquid": 0.3}


@dataclass(frozen=True)
class Range:
    """Values a quantity may take: ``[low, high]``, or ``(low, high]`` when ``low_open``."""

    low: float
    high: float
    low_open: bool = False


#: The allowed range of every bounded quantity of the format, by model and field: the one
#: statement the validators check and the API hands to forms.
RANGES: dict[str, dict[str, Range]] = {
    "Operations": {
        "load_factor": Range(0.0, 1.0, low_open=True),
        "pue": Range(1.0, 5.0),
        "pue_temperature_slope_per_c": Range(0.0, 0.1),
        "pue_reference_temperature_c": Range(-30.0, 45.0),
        "lifetime_years": Range(0.0, 50.0, low_open=True),
        "lifetime_weibull_shape": Range(0.2, 20.0),
        "inference_share": Range(0.0, 1.0),
        "inference_peak_to_mean": Range(1.0, 3.0),
        "inference_peak_hour": Range(0.0, 24.0),
        "inference_weekend_factor": Range(0.0, 2.0, low_open=True),
    },
    # Negative delays are early deliveries (a range "end-2027 to end-2030" around end-2028).
    "_Delivery": {"delay_months": Range(-120.0, 240.0), "count_factor": Range(0.0, 10.0)},
    "Deployment": {
        "delivery_delay_months": Range(-120.0, 240.0),
        "count_factor": Range(0.0, 10.0),
    },
    "NonAiLoad": {
        "installed": Range(0.0, 1e10),
        "power_w": Range(0.0, 1e6),
        "utilisation": Range(0.0, 1.0),
        "energy_twh": Range(0.0, 10_000.0),
        "pue": Range(1.0, 5.0),
    },
    "Reinforcement": {"mw": Range(0.0, 1e6), "delay_months": Range(0.0, 240.0)},
    "RegionGrid": {"limit_mw": Range(0.0, 1e7)},
    "Flexibility": {"share": Range(0.0, 1.0)},
    "Site": {
        "capacity_mw": Range(0.0, 100_000.0),
        "ramp_months": Range(0.0, 240.0),
        "grid_lead_months": Range(0.0, 240.0),
        "build_probability": Range(0.0, 1.0),
        "delay_months": Range(0.0, 240.0),
        "pue": Range(1.0, 5.0),
        "inference_share": Range(0.0, 1.0),
        "load_factor": Range(0.0, 1.0, low_open=True),
        "tenant_occupancy": Range(0.0, 1.0),
    },
}


# Inputs that shape every draw's hourly profile the same way: a distribution would have to be
# collapsed to one value, so the format refuses it rather than ignore it silently.
FIXED_ONLY_OPERATIONS = (
    "pue_reference_temperature_c",
    "lifetime_weibull_shape",
    "inference_peak_to_mean",
    "inference_peak_hour",
    "inference_weekend_factor",
)


#: How the AI load relates to the sites (``Scenario.hosting_reading``), as the output states it.
HOSTING_READINGS: dict[str, str] = {
    "hosted": "accelerators of the deployment plans run only in built, energised capacity of "
    "their region; the rest wait and draw nothing",
    "unconstrained": "unconstrained hosting: every accelerator of the deployment plans is "
    "assumed to have a hall to run in",
    "sites": "sites only: the load is what the sites' own tenants draw (no deployment plans)",
}


#: How many scenarios an ``extends`` chain may pass through.
MAX_EXTENDS_DEPTH = 5
