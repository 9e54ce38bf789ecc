// The flexibility panel of a projection: when a programme is called and what it takes off.
// Hours called per calendar year (bars) and a P10 / P50 / P90 table with the energy given way
// and the cut of the grid's peak; for a chosen year, the hours called by local month and clock
// hour of the day (flexibility_hours_called_by_month_hour [h], mean over the draws), the
// month x hour table `forecast project` prints, and the energy given way in them
// (flexibility_energy_mwh_by_month_hour [MWh]), both as heat-map-styled tables. The stress
// hours are ranked on the grid's load before anything gives way, so the hours do not follow
// the share; the energy and the peak cut do.

import { annualBars } from "./charts.js";
import { exactSum, formatNumber } from "./format.js";
import { fillTable, tableColumns } from "./tables.js";

const CALENDAR = "flexibility_hours_called_by_month_hour";
// The month x hour tables: the variable, its table, what a cell counts and its decimals (the
// command line's 0.1 h; whole MWh).
const CALENDARS = [
  { name: CALENDAR, table: "flex-calendar-table", what: "Hours flexibility is called", digits: 1 },
  {
    name: "flexibility_energy_mwh_by_month_hour",
    table: "flex-energy-table",
    what: "AI energy flexibility gives way (curtailed or shifted)",
    digits: 0,
  },
];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// Shades of a cell, lightest to darkest (app.css .heat-1 to .heat-5, each with a text colour of
// 4.5:1 or more on it): a cell's share of the year's busiest cell, in fifths.
const SHADES = 5;

const PER_YEAR = [
  ["flexibility_hours_called", "Hours called", 1],
  ["flexibility_events", "Events", 1],
  ["flexibility_event_hours_max", "Longest event", 1],
  // What the share sets, as the energy table and `forecast project`'s flexibility table give it.
  ["flexibility_curtailed_twh", "AI energy curtailed", 1, { unit: "GWh", factor: 1000 }],
  ["flexibility_shifted_twh", "AI energy shifted", 1, { unit: "GWh", factor: 1000 }],
  ["flexibility_peak_reduction_gw", "Cut of the grid peak (draw by draw)", 2],
];

// As the command line prints the table: "." never called, `digits` decimals otherwise (0.0 is
// called, less than 0.05 h on average).
const cellText = (value, digits) => (value === 0 ? "." : formatNumber(value, digits));

// The shade of a cell: 0 (none) where never called, else 1 to SHADES by its share of `most`.
export function shadeOf(hours, most) {
  if (!(hours > 0) || !(most > 0)) return 0;
  return Math.min(SHADES, Math.max(1, Math.ceil((hours / most) * SHADES)));
}

function header(text, attributes) {
  const cell = document.createElement("th");
  Object.assign(cell, attributes);
  cell.textContent = text;
  return cell;
}

function cell(value, digits, { shade = 0, total = false } = {}) {
  const td = document.createElement("td");
  td.textContent = cellText(value, digits);
  td.dataset.value = String(value);
  if (total) td.className = "total";
  else if (shade) td.className = `heat-${shade}`;
  return td;
}

// The years the calendar can be shown for, and the one to show: the one shown before where the
// new result has it, else the period's last, as `forecast project --flexibility-year` defaults.
export function fillCalendarYears(select, years) {
  const kept = years.map(String).includes(select.value) ? select.value : String(years.at(-1));
  select.replaceChildren(
    ...years.map((year) => {
      const option = document.createElement("option");
      option.value = option.textContent = String(year);
      return option;
    }),
  );
  select.value = kept;
  return Number(kept);
}

// A month x hour table of `year` (`spec`, one of CALENDARS): rows Jan-Dec, columns 00-23 (local
// clock hour the hour starts at), each month's and each hour's total (summed as the command line
// sums them, so that they round alike), every cell shaded by its value.
function fillMonthHourTable(table, payload, year, spec) {
  const calendar = payload.variables[spec.name];
  const { coords } = payload;
  const unit = calendar.units;
  const rows = calendar.values[coords.year.indexOf(year)];
  const hours = coords.hour_of_day;
  const most = Math.max(0, ...rows.flat());
  const sum = exactSum;
  const hourTitle = (hour) => {
    const clock = String(hour).padStart(2, "0");
    return `${clock}:00–${clock}:59 local time`;
  };
  const head = document.createElement("tr");
  head.append(
    header("Month", { scope: "col" }),
    ...hours.map((hour) =>
      header(String(hour).padStart(2, "0"), { scope: "col", title: hourTitle(hour) }),
    ),
    header("All", { scope: "col", title: `The month's total [${unit}]` }),
  );
  table.tHead.replaceChildren(head);
  const { digits } = spec;
  const body = coords.month_of_year.map((month, index) => {
    const row = document.createElement("tr");
    row.append(header(MONTHS[month - 1], { scope: "row" }));
    row.append(...rows[index].map((value) => cell(value, digits, { shade: shadeOf(value, most) })));
    row.append(cell(sum(rows[index]), digits, { total: true }));
    return row;
  });
  const totals = document.createElement("tr");
  totals.className = "total";
  totals.append(header("All", { scope: "row", title: `The hour's total over the year [${unit}]` }));
  totals.append(
    ...hours.map((_, column) => cell(sum(rows.map((row) => row[column])), digits, { total: true })),
  );
  totals.append(cell(sum(rows.flat()), digits, { total: true }));
  table.tBodies[0].replaceChildren(...body, totals);
  const draws = payload.attrs.draws;
  const least = formatNumber(0.5 * 10 ** -digits, digits + 1);
  table.caption.textContent =
    `${spec.what} in ${year} by local month (rows) and local clock hour of the day (columns) ` +
    `[${unit}, mean over ${draws} draws]; "." never called, ${formatNumber(0, digits)} less ` +
    `than ${least} ${unit}. ` +
    (most > 0
      ? `Shading in five steps up to the year's largest cell (${formatNumber(most, digits)} ` +
        `${unit}); All: the month's or the hour's total.`
      : `No hour is called in ${year}.`);
}

// The month x hour tables of `year` that the result holds (a result stored before the energy
// calendar existed has the hours' alone: its table is hidden).
export function fillCalendarTable(payload, year) {
  for (const spec of CALENDARS) {
    const table = document.getElementById(spec.table);
    const held = Boolean(payload.variables[spec.name]);
    table.closest(".calendar-block").hidden = !held;
    if (held) fillMonthHourTable(table, payload, year, spec);
  }
}

// The panel, shown where the result has flexibility (its calendar's year kept where the new
// result has it, else the period's last). Returns whether it is shown.
export function renderFlexibility(payload, quantileIndex) {
  const panel = document.getElementById("flexibility");
  const called = payload.variables.flexibility_hours_called;
  if (!payload.variables[CALENDAR] || !called) {
    panel.hidden = true;
    return false;
  }
  panel.hidden = false;
  const year = fillCalendarYears(document.getElementById("flex-calendar-year"), payload.coords.year);
  fillCalendarTable(payload, year);
  annualBars(document.getElementById("chart-flex-hours"), {
    years: payload.coords.year,
    values: called.values,
    quantileIndex,
    unit: called.units,
    yLabel: "Hours called",
    kind: "flex",
    title: `Hours flexibility is called per calendar year in ${payload.scenario_id}`,
  });
  const table = document.getElementById("flex-hours-table");
  // Shifted energy only where the share is shifted (0 when curtailing), as the command line.
  const shifts = String(payload.attrs.flexibility ?? "").startsWith("shift");
  const perYear = PER_YEAR.filter(([name]) => shifts || name !== "flexibility_shifted_twh");
  fillTable(table, payload.coords.year, tableColumns(payload, perYear), quantileIndex);
  table.caption.textContent =
    "Per calendar year; P10 / P50 / P90 over the draws: the stress hours called, the runs of " +
    "consecutive hours called (events) and the longest of them, which the share leaves as " +
    "they are; the AI energy that gives way in them and the cut of the grid's peak, which " +
    "follow the share";
  return true;
}
