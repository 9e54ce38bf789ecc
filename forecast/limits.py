"""The bounds of a projection's options, in a module that imports nothing.

:mod:`forecast.engine.options` checks them (and re-exports them); the command line quotes them
in its help text, which must not load the engine to do so: ``forecast --help`` starts without
numpy, pandas, xarray or numba (``tests/forecast/cli/test_startup.py``).
"""

#: Most Monte Carlo draws of one projection. [draws]
MAX_DRAWS = 100_000
#: Largest random seed (numpy's generators take any integer; 63 bits keep it a signed int64).
MAX_SEED = 2**63 - 1
#: Most calendar years one projection spans (counted from the first day's year to the last's).
MAX_YEARS = 30
#: Draws whose hourly paths the load duration curves are built from, by default and at most:
#: each is held for a year as float32 per series (8,784 h x 4 B = 35 kB), so 10,000 draws of
#: the total and the AI load take 703 MB (README "Load duration curves and peak hours").
DEFAULT_DURATION_DRAWS = 1000
MAX_DURATION_DRAWS = 10_000
