"""What a person or another model takes away: figures (:mod:`~forecast.report.plot`), the
self-contained HTML report (:mod:`~forecast.report.html`), grid-model inputs for PyPSA, PLEXOS
and wide tables (:mod:`~forecast.report.gridexport`) and the README's generated tables
(:mod:`~forecast.report.docs`)."""
