// Number formatting shared by the form, the charts and the tables (en-US digits, "–" for none).

// Decimals of a table's figures by their unit, one number for a whole column, as the comparison
// report's (forecast/sweep/compare.py SUMMARY_FIGURES): a column's decimals varied with each
// year's size (0.648 above 12.4 above 150), which read as a change of precision.
export const UNIT_DIGITS = { TWh: 2, GW: 2, "%": 2, MW: 0 };

export const digitsForUnit = (unit) => UNIT_DIGITS[unit] ?? 2;

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
