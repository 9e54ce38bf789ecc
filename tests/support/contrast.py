"""WCAG 2.2 colour contrast of colours as a browser computes them (not collected): the
dashboard's and the HTML report's accessibility tests read ``getComputedStyle`` colours in
real Chromium and check them here.

Contrast ratio and relative luminance: https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio.
"""

from __future__ import annotations

import re

#: Text of normal size needs 4.5:1 against its background (WCAG 2.2 1.4.3, AA).
TEXT_CONTRAST = 4.5


def css_rgba(css: str) -> tuple[float, float, float, float]:
    """A computed CSS colour, ``rgb(r, g, b)`` or ``rgba(r, g, b, a)``, as numbers."""
    numbers = [float(text) for text in re.findall(r"[\d.]+", css)]
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) > 3 else 1.0)


def over(colour: tuple[float, ...], background: tuple[float, ...]) -> tuple[float, ...]:
    """``colour`` (with its alpha) composited over the opaque ``background``."""
    alpha = colour[3] if len(colour) > 3 else 1.0
    pairs = zip(colour[:3], background[:3], strict=True)
    return tuple(alpha * c + (1 - alpha) * b for c, b in pairs)


def luminance(rgb: tuple[float, ...]) -> float:
    """Relative luminance of an sRGB colour [0–255], as WCAG 2.2 defines it."""

    def linear(channel: float) -> float:
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
