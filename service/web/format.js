// Number formatting shared by the form, the charts and the tables (en-US digits, "–" for none).

export function digitsFor(maxAbs) {
  if (!Number.isFinite(maxAbs)) return 0;
  if (maxAbs >= 100) return 0;
  if (maxAbs >= 10) return 1;
  if (maxAbs >= 1) return 2;
  return 3;
}

export function formatNumber(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  // A small negative value rounds to "-0": show it as the 0 it is at this precision.
  if (Number(value.toFixed(digits)) === 0) value = 0;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export const formatCount = (value) => Math.round(value).toLocaleString("en-US");

// Four significant digits, no trailing zeros: how the form shows a distribution's numbers.
export const formatShort = (value) => String(+Number(value).toPrecision(4));
