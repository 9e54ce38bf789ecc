"""AI compute → grid electricity demand: projections with uncertainty.

The library: scenarios, accelerator catalog, numba kernels, projection, baseline inference,
export and the ``forecast`` command line.
"""

__version__ = "0.1.0"
