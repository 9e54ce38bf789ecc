"""Files in and out: demand and temperature readers (:mod:`~forecast.io.loaders`) with the gap
rule (:mod:`~forecast.io.gaps`), projection tables (:mod:`~forecast.io.export`: CSV, Parquet,
NetCDF; a CSV's text by :mod:`~forecast.io.csvtext`) and atomic writes
(:mod:`~forecast.io.files`). It imports nothing above it (the engine,
projections, sweeps, reports): the engine reads and writes through it. The grid-model layouts,
which run projections, are :mod:`forecast.report.gridexport`."""
