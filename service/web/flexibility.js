// The flexibility panel of a projection: when a programme is called. Hours called per calendar
// year (bars and a P10 / P50 / P90 table) and, for a chosen year, the hours called by local
// month and clock hour of the day (flexibility_hours_called_by_month_hour [h], mean over the
// draws) as a heat-map-styled table, the month x hour table `forecast project` prints.

import { annualBars } from "./charts.js";
import { formatNumber } from "./format.js";
import { fillTable, tableColumns } from "./tables.js";

const CALENDAR = "flexibility_hours_called_by_month_hour";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// Shades of a cell, lightest to darkest (app.css .heat-1 to .heat-5, each with a text colour of
// 4.5:1 or more on it): a cell's share of the year's busiest cell, in fifths.
const SHADES = 5;

const PER_YEAR = [
  ["flexibility_hours_called", "Hours called", 1],
  ["flexibility_events", "Events", 1],
  ["flexibility_event_hours_max", "Longest event", 1],
];

// As the command line prints the table: "." never called, one decimal otherwise (0.0 is
// called, less than 0.05 h on average).
const hoursText = (hours) => (hours === 0 ? "." : formatNumber(hours, 1));

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

function cell(hours, { shade = 0, total = false } = {}) {
  const td = document.createElement("td");
  td.textContent = hoursText(hours);
  td.dataset.hours = String(hours);
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

// The month x hour table of `year`: rows Jan-Dec, columns 00-23 (local clock hour the hour starts
// at), each month's and each hour's total, every cell shaded by its hours.
export function fillCalendarTable(table, payload, year) {
  const calendar = payload.variables[CALENDAR];
  const { coords } = payload;
  const rows = calendar.values[coords.year.indexOf(year)];
  const hours = coords.hour_of_day;
  const most = Math.max(0, ...rows.flat());
  const sum = (values) => values.reduce((total, value) => total + value, 0);
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
    header("All", { scope: "col", title: "The month's hours called [h]" }),
  );
  table.tHead.replaceChildren(head);
  const body = coords.month_of_year.map((month, index) => {
    const row = document.createElement("tr");
    row.append(header(MONTHS[month - 1], { scope: "row" }));
    row.append(...rows[index].map((value) => cell(value, { shade: shadeOf(value, most) })));
    row.append(cell(sum(rows[index]), { total: true }));
    return row;
  });
  const totals = document.createElement("tr");
  totals.className = "total";
  totals.append(header("All", { scope: "row", title: "The hour's hours called over the year [h]" }));
  totals.append(...hours.map((_, column) => cell(sum(rows.map((row) => row[column])), { total: true })));
  totals.append(cell(sum(rows.map(sum)), { total: true }));
  table.tBodies[0].replaceChildren(...body, totals);
  const draws = payload.attrs.draws;
  table.caption.textContent =
    `Hours flexibility is called in ${year} by local month (rows) and local clock hour of the ` +
    `day (columns) [h, mean over ${draws} draws]; "." never called, 0.0 less than 0.05 h. ` +
    (most > 0
      ? `Shading in five steps up to the year's busiest cell (${formatNumber(most, 1)} h); ` +
        "All: the month's or the hour's total."
      : `No hour is called in ${year}.`);
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
  fillCalendarTable(document.getElementById("flex-calendar-table"), payload, year);
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
  fillTable(table, payload.coords.year, tableColumns(payload, PER_YEAR), quantileIndex);
  table.caption.textContent =
    "Per calendar year; P10 / P50 / P90 over the draws: the stress hours called, the runs of " +
    "consecutive hours called (events) and the longest of them";
  return true;
}
