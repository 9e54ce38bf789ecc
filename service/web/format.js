// Number formatting shared by the form, the charts and the tables (en-US digits, "–" for none).

// Decimals of a table's figures by their unit, one number for a whole column, as the comparison
// report's (forecast/sweep/compare.py SUMMARY_FIGURES): a column's decimals varied with each
// year's size (0.648 above 12.4 above 150), which read as a change of precision.
export const UNIT_DIGITS = { TWh: 2, GW: 2, "%": 2, MW: 0 };

export const digitsForUnit = (unit) => UNIT_DIGITS[unit] ?? 2;

// Decimals beyond the shown ones that hold a number's exact binary value up to any tie: a
// value that is not exactly halfway differs from it by at least its last bit, 1e-16 of it, far
// above 1e-25 for the page's figures (0.05 h and up).
const EXACT_DIGITS = 25;

// `value` to `digits` decimals as Python's format() and the command line round it: the exact
// binary value, and a tie (a value exactly halfway, such as 0.25) to the even digit. The
// browser's toLocaleString rounded the shortest decimal instead, a half away from zero: 1.45,
// which is 1.4499999999999999556 in binary, showed 1.5 where the command line prints 1.4.
export function roundedText(value, digits) {
  const rounded = value.toFixed(digits); // the exact value; a tie away from zero
  const exact = value.toFixed(digits + EXACT_DIGITS);
  const kept = exact.slice(0, digits > 0 ? -EXACT_DIGITS : -EXACT_DIGITS - 1);
  const halfway = /^50*$/.test(exact.slice(exact.length - EXACT_DIGITS));
  // At a tie, toFixed took the digit away from zero: keep the one toward it where that is even.
  return halfway && Number(kept.at(-1)) % 2 === 0 ? kept : rounded;
}

export function formatNumber(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  let rounded = Number(roundedText(value, digits));
  // A small negative value rounds to "-0": show it as the 0 it is at this precision.
  if (rounded === 0) rounded = 0;
  // Already at `digits` decimals: toLocaleString only adds the thousands separators.
  return rounded.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

// The sum of `values` correctly rounded, as Python's math.fsum gives it (Shewchuk's exact
// partial sums, with CPython's last step for a sum halfway between two floats): the month x
// hour tables' totals are the command line's, bit for bit, so that they round alike; a plain
// sum in another order than NumPy's lands a bit either side of a halfway total.
export function exactSum(values) {
  const partials = [];
  for (let x of values) {
    let kept = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const high = x + y;
      const low = y - (high - x);
      if (low !== 0) partials[kept++] = low;
      x = high;
    }
    partials.length = kept;
    partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let high = partials[--n];
  let low = 0;
  while (n > 0) {
    const x = high;
    const y = partials[--n];
    high = x + y;
    low = y - (high - x);
    if (low !== 0) break;
  }
  if (n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0))) {
    const y = low * 2;
    const x = high + y;
    if (y === x - high) high = x;
  }
  return high;
}

export const formatCount = (value) => Math.round(value).toLocaleString("en-US");

// Four significant digits, no trailing zeros: how the form shows a distribution's numbers.
export const formatShort = (value) => String(+Number(value).toPrecision(4));
