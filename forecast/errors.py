"""One exception hierarchy for the project.

Each error subclasses the builtin it refines, so callers can catch ``ValueError`` or the
specific class; every message names the field, the value and what is allowed.
"""


class ForecastError(Exception):
    """Base class of every error this project raises on purpose."""


class ScenarioError(ForecastError, ValueError):
    """A scenario file or body is malformed or out of range."""


class CatalogError(ForecastError, ValueError):
    """The accelerator catalog is malformed, or an accelerator is unknown."""


class OptionsError(ForecastError, ValueError):
    """A projection option (draws, seed, period, resolution, quantiles) is out of range."""


class DataError(ForecastError, ValueError):
    """An input data file (demand, temperature) is malformed; the message names the row."""


class ArtifactError(ForecastError, RuntimeError):
    """A model artifact is missing, incomplete, tampered with or incompatible."""


class NotFoundError(ForecastError, LookupError):
    """A named resource (scenario, model, accelerator) does not exist."""


class ScenarioNote(UserWarning):
    """Something a scenario file says that its author may not mean (a variant's list that
    replaces its base's); the command line prints it as ``note: ...`` on stderr."""


class WeatherFallback(ScenarioNote):
    """``weather = 'auto'`` found no temperature files and ran synthetic years: the figures
    differ from the observed weather's. The projection's ``weather_kind`` says it too;
    ``weather = 'historical'`` makes it an error instead."""
