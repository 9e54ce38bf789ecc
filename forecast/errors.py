"""One exception hierarchy for the project.

Each error subclasses the builtin it refines, so callers can catch ``ValueError`` or the
specific class; every message names the field, the value and what is allowed. A value is
echoed through :func:`shown_value`, which cuts a long one short.
"""

#: Most characters of a value an error message echoes (a scenario's notes run to 8,605).
MOST_SHOWN_CHARACTERS = 200


def shown_value(value: object, *, most_characters: int = MOST_SHOWN_CHARACTERS) -> str:
    """``repr(value)`` as an error message echoes it: at most ``most_characters`` characters
    of it, a longer one cut with ``…`` and its full length (``'Reproduces…' (8,605
    characters)``), so that a message stays one readable line whatever was sent.

    Parameters
    ----------
    value
        The value to echo (text: its ``repr``; a date: as for any other value). [-]
    most_characters
        Characters of the ``repr`` kept. [characters]
    """
    text = repr(value)
    if len(text) <= most_characters:
        return text
    length = len(value) if isinstance(value, str | bytes) else len(text)
    return f"{text[:most_characters]}… ({length:,} characters)"


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
