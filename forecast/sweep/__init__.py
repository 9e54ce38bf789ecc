"""Many projections at once: variants of one scenario on Dask (:mod:`~forecast.sweep.variants`)
and several scenarios side by side with common random numbers (:mod:`~forecast.sweep.compare`)."""
