"""Files in and out: demand and temperature readers (:mod:`~forecast.io.loaders`) with the gap
rule (:mod:`~forecast.io.gaps`), projection tables (:mod:`~forecast.io.export`: CSV, Parquet,
NetCDF) and grid-model layouts (:mod:`~forecast.io.gridexport`), and atomic writes
(:mod:`~forecast.io.files`)."""
