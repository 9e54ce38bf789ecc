"""What a person reads: figures (:mod:`~forecast.report.plot`), the self-contained HTML report
(:mod:`~forecast.report.html`) and the README's generated tables (:mod:`~forecast.report.docs`)."""
