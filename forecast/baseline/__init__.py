"""The baseline: national demand without the AI load, trained on real grid data.

:mod:`~forecast.baseline.features` (calendar and temperature features, one function for
training and projection), :mod:`~forecast.baseline.model` (the level x shape x noise model and
its draws), :mod:`~forecast.baseline.artifacts` (versioned, verified model files) with
:mod:`~forecast.baseline.signing` (Ed25519 signatures), and
:mod:`~forecast.baseline.evaluation` (backtest metrics). Training lives apart, in ``models/``.
"""
