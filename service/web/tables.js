// The annual tables (P10 / P50 / P90 per year) and the one-paragraph summary of a projection.

import { digitsForUnit, formatCount, formatNumber } from "./format.js";

const TABLE_LEVELS = [
  [0.1, "P10"],
  [0.5, "P50"],
  [0.9, "P90"],
];

export function annual(payload, name) {
  const variable = payload.variables[name];
  return variable ? variable.values : null;
}

// A figure shown in another unit than the API's: its values times `factor` (null stays null).
function rescaled(values, factor) {
  return values.map((row) => row.map((value) => (value === null ? null : value * factor)));
}

// Columns of the variables present (a scenario without a baseline of its grid has no totals):
// `specs` is a list of [variable name, label, digits, shown]; without digits, those of its
// unit; `shown` ({unit, factor}) shows the figure in another unit than the API's (the JSON and
// CSV keep theirs).
export function tableColumns(payload, specs) {
  return specs
    .filter(([name]) => payload.variables[name])
    .map(([name, label, digits, shown]) => {
      const unit = shown ? shown.unit : payload.variables[name].units;
      const values = annual(payload, name);
      return {
        name,
        label,
        digits: digits ?? digitsForUnit(unit),
        unit,
        values: shown ? rescaled(values, shown.factor) : values,
      };
    });
}

function headerCell(text, attributes) {
  const cell = document.createElement("th");
  Object.assign(cell, attributes);
  cell.textContent = text;
  return cell;
}

// A cell that wraps only at its spaces: each word in a span that does not wrap, since a line
// may otherwise break after a date's hyphen (2032- / 11) or a range's en dash ([34– / never]),
// which reads as two figures. The text stays as given.
function wrappingCell(text) {
  const cell = document.createElement("td");
  text.split(" ").forEach((word, index) => {
    if (index > 0) cell.append(" ");
    const span = document.createElement("span");
    span.className = "nowrap";
    span.textContent = word;
    cell.append(span);
  });
  return cell;
}

export function fillTable(table, years, columns, quantileIndex) {
  const headTop = document.createElement("tr");
  const headLevels = document.createElement("tr");
  headTop.append(headerCell("Year", { scope: "col", rowSpan: 2 }));
  for (const column of columns) {
    headTop.append(
      headerCell(`${column.label} [${column.unit}]`, { scope: "colgroup", colSpan: 3 }),
    );
    for (const [, name] of TABLE_LEVELS) {
      const title = `${column.label}, ${name} over the draws [${column.unit}]`;
      headLevels.append(headerCell(name, { scope: "col", title }));
    }
  }
  table.tHead.replaceChildren(headTop, headLevels);
  const rows = years.map((year, yearIndex) => {
    const row = document.createElement("tr");
    row.append(headerCell(String(year), { scope: "row" }));
    for (const column of columns) {
      for (const [level] of TABLE_LEVELS) {
        const cell = document.createElement("td");
        cell.textContent = formatNumber(
          column.values[yearIndex][quantileIndex[level]],
          column.digits,
        );
        cell.dataset.variable = column.name;
        cell.dataset.quantile = String(level);
        if (level === 0.5) cell.className = "median-cell";
        row.append(cell);
      }
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
}

// The first month whose share [%] reaches `level`: "by <first month>" where it does in the
// period's first month (it may have before), "after <last month>" where it never does.
function monthReaching(shares, months, level) {
  const index = shares.findIndex((share) => share !== null && share >= level);
  if (index < 0) return `after ${months[months.length - 1]}`;
  return index === 0 ? `by ${months[0]}` : months[index];
}

// Every site, one row each (queue order; a site in a region with no connection limit is
// marked "(no limit)" and energises as its own dates allow), by the rules of
// forecast/report/sites.py: when each asks for its grid capacity and when all of it is
// connected, among the draws that build it, and its wait. The JSON has null for a wait beyond
// the period (inf) and for a site that asks in no draw within it (NaN): a site no draw builds
// has null requesting shares, one whose draws ask after the period has 0 in its last month.
export function fillSiteTable(table, payload, quantileIndex) {
  const sites = payload.coords.site ?? [];
  const months = payload.coords.month;
  const last = months[months.length - 1];
  const requesting = payload.variables.site_requesting_pct;
  const energised = payload.variables.site_energised_pct;
  const waits = payload.variables.site_grid_wait_months;
  const meanWaits = payload.variables.site_grid_mean_wait_months;
  const request = payload.variables.site_grid_request_mw;
  const due = payload.variables.site_due_pct;
  // Results stored before it existed have no first-MW share: the cell is left empty.
  const firstMw = payload.variables.site_first_mw_pct;
  const phased = payload.coords.site_grid_request ?? [];
  const rows = sites.map((site, index) => {
    const row = document.createElement("tr");
    row.append(headerCell(site, { scope: "row" }));
    const shares = requesting.values[index];
    // Results stored before site_grid_limit existed hold limited sites only.
    const unlimited = payload.coords.site_grid_limit?.[index] === "none";
    const cells = [
      unlimited ? `${payload.coords.site_region[index]} (no limit)` : payload.coords.site_region[index],
      payload.coords.site_status[index].replaceAll("_", " "),
      formatNumber(payload.variables.site_built_pct.values[index], 0),
    ];
    if (shares.every((share) => share === null)) {
      cells.push("", "not built in any draw", "", "", "", "", "", "");
    } else if (shares[shares.length - 1] === 0) {
      cells.push("", `after ${last}`, "", "", "", "", "", "");
    } else {
      const spread = (values, digits) => {
        const at = (level) => {
          const value = values[index][quantileIndex[level]];
          return value === null ? "never" : formatNumber(value, digits);
        };
        return `${at(0.5)} [${at(0.1)}–${at(0.9)}]`;
      };
      // A site whose halls need all of it only after the period in every draw (a phased site
      // still ramping, or one that applied ahead): how late it comes is not known yet (null in
      // JSON, as "never" is: told apart by site_due_pct).
      // Results stored before these variables existed have neither (every site asks whole).
      // Python's rule (forecast/report/sites.py): every wait NaN. A null that is "never" needs
      // the site due within the period, so null waits with nothing due mean "due after".
      const dueShares = due?.values[index] ?? [];
      const rampsOn =
        dueShares.length > 0 &&
        dueShares[dueShares.length - 1] === 0 &&
        waits.values[index].every((value) => value === null);
      const asks = formatCount(request.values[index][quantileIndex[0.5]]);
      cells.push(
        phased[index] === "phased" ? `${asks} phased` : asks,
        monthReaching(shares, months, 50),
        firstMw ? monthReaching(firstMw.values[index], months, 50) : "",
        ...[10, 50, 90].map((level) => monthReaching(energised.values[index], months, level)),
        rampsOn ? `due after ${last}` : spread(waits.values, 0),
        meanWaits ? spread(meanWaits.values, 1) : "",
      );
    }
    for (const text of cells) row.append(wrappingCell(text));
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
  return rows.length > 0;
}

// The regions with a grid connection limit (in any month and quantile), as
// forecast/outputs.py limited_regions: [{region, index}].
export function limitedRegions(payload) {
  const limit = payload.variables.grid_limit_mw_by_region;
  if (!limit) return [];
  return payload.coords.region
    .map((region, index) => ({ region, index }))
    .filter(({ index }) => limit.values[index].some((row) => row.some((v) => v !== null)));
}

// The P50 of a monthly regional variable in each month, its largest and that month.
function monthlyPeak(payload, name, index, quantileIndex) {
  const medians = payload.variables[name].values[index].map((row) => row[quantileIndex[0.5]] ?? 0);
  const most = Math.max(0, ...medians);
  return { medians, most, when: payload.coords.month[medians.indexOf(most)] };
}

// Each limited region's queue in words, in the words of the report's and the command line's
// grid tables (requested minus connected; built halls not yet connected), then why built halls
// waiting for the grid cost AI energy only through accelerators left without room.
function gridText(payload, quantileIndex) {
  const regions = limitedRegions(payload);
  if (regions.length === 0 || !payload.variables.grid_delayed_mw_by_region) return "";
  const months = payload.coords.month;
  const lastMonth = months[months.length - 1];
  const stranded = payload.variables.grid_stranded_mw_by_region;
  let text = "";
  let anyStranded = false;
  for (const { region, index } of regions) {
    const delayed = monthlyPeak(payload, "grid_delayed_mw_by_region", index, quantileIndex);
    if (delayed.most <= 0) {
      text += ` Grid, region ${region}: grid capacity waiting for a connection under its limit is 0 MW (P50) in every month.`;
      continue;
    }
    const end = delayed.medians[delayed.medians.length - 1];
    text +=
      ` Grid, region ${region}: grid capacity waiting for a connection under its limit ` +
      `(requested minus connected) peaks at ${formatCount(delayed.most)} MW (P50) in ` +
      `${delayed.when} and is ${formatCount(end)} MW in ${lastMonth}.`;
    // Absent in results stored before the variable existed.
    if (stranded) {
      const built = monthlyPeak(payload, "grid_stranded_mw_by_region", index, quantileIndex);
      anyStranded ||= built.most > 0;
      text +=
        ` Built halls waiting for the grid there peak at ${formatCount(built.most)} MW (P50)` +
        (built.most > 0 ? ` in ${built.when}.` : ".");
    }
  }
  const waiting = payload.variables.waiting_nameplate_mw_by_region;
  if (anyStranded && payload.attrs.hosting === "hosted" && waiting) {
    const held = regions.map(({ region, index }) => {
      const { most, when } = monthlyPeak(payload, "waiting_nameplate_mw_by_region", index, quantileIndex);
      return `${formatNumber(most, 1)} MW in ${region}${most > 0 ? ` (${when})` : ""}`;
    });
    // The model's rule in its own words (forecast/scenario/defaults.py HOSTING_READINGS).
    const rule =
      payload.attrs.hosting_note ||
      "accelerators of the deployment plans run only in built, energised capacity of their " +
        "region; the rest wait and draw nothing";
    text +=
      ` Built halls waiting for the grid hold no accelerators (${rule}): they go to the ` +
      "connected halls, so a connection limit holds back AI electricity only where those have " +
      "no room for them. The nameplate of accelerators waiting for room peaks at " +
      `${held.join(", ")} (P50).`;
  }
  return text;
}

// Year ends: the last month of each year [{year, month index}].
function yearEnds(payload) {
  const months = payload.coords.month;
  return payload.coords.year.map((year) => ({
    year,
    index: months.findLastIndex((month) => month.startsWith(`${year}-`)),
  }));
}

// "P50 [P10–P90] (mean)" as forecast/outputs.py summary_cell writes it, "–" where P50 is none.
function summaryCell(row, mean, quantileIndex, digits) {
  const at = (level) => formatNumber(row[quantileIndex[level]], digits);
  if (row[quantileIndex[0.5]] === null) return "–";
  const text = `${at(0.5)} [${at(0.1)}–${at(0.9)}]`;
  return mean === undefined || mean === null ? text : `${text} (${formatNumber(mean, digits)})`;
}

const GRID_KINDS = ["requested", "connected", "delayed", "stranded"];

// Grid connection of new sites under each limited region's limit at each year's end: the HTML
// report's grid table (forecast/report/html.py checks_section), same columns and cells.
export function fillGridTable(table, payload, quantileIndex) {
  const regions = limitedRegions(payload);
  if (regions.length === 0 || !payload.variables.grid_requested_mw_by_region) return false;
  const head = document.createElement("tr");
  head.append(headerCell("year", { scope: "col" }));
  for (const { region } of regions) {
    const labels = [`${region}: requested [MW]`, "connected [MW]", "delayed [MW]", "stranded [MW]"];
    for (const label of labels) head.append(headerCell(label, { scope: "col" }));
  }
  table.tHead.replaceChildren(head);
  const rows = yearEnds(payload).map(({ year, index: month }) => {
    const row = document.createElement("tr");
    row.append(headerCell(String(year), { scope: "row" }));
    for (const { region, index } of regions) {
      for (const kind of GRID_KINDS) {
        const name = `grid_${kind}_mw_by_region`;
        const variable = payload.variables[name];
        const mean = payload.variables[`${name}_mean`];
        const cell = wrappingCell(
          variable
            ? summaryCell(variable.values[index][month], mean?.values[index][month], quantileIndex, 0)
            : "–",
        );
        cell.dataset.variable = name;
        cell.dataset.region = region;
        row.append(cell);
      }
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
  return true;
}

// The last year in words: AI energy, share, AI load at the grid peak, the hosting check,
// the capacity waiting for a grid connection in each region with a limit.
export function summaryText(payload, quantileIndex) {
  const years = payload.coords.year;
  const last = years.length - 1;
  const pick = (name, level) => {
    const values = annual(payload, name);
    return values ? values[last][quantileIndex[level]] : null;
  };
  const triple = (name, digits, unit) =>
    `${formatNumber(pick(name, 0.5), digits)} ${unit} (P10–P90 ${formatNumber(pick(name, 0.1), digits)}–${formatNumber(pick(name, 0.9), digits)})`;
  const parts = [`In ${years[last]}, AI data centres use ${triple("ai_energy_twh", 2, "TWh")}`];
  // All data centres, summed draw by draw by the API: the figure LBNL and IEA publish.
  if (annual(payload, "dc_energy_twh")) {
    parts.push(
      `all data centres (AI + non-AI) use ${triple("dc_energy_twh", 2, "TWh")} and reach ` +
        `${triple("dc_peak_gw", 2, "GW")} at their own highest hour`,
    );
  }
  if (payload.model_version !== "none" && annual(payload, "ai_share_of_energy_pct")) {
    parts.push(`${triple("ai_share_of_energy_pct", 2, "%")} of the grid's electricity`);
    parts.push(
      `draw ${triple("ai_at_national_peak_gw", 2, "GW")} in the grid's peak hour and move the ` +
        `grid peak by ${triple("peak_change_gw", 2, "GW")}`,
    );
  }
  let text = `${parts.join("; ")}.`;
  const waiting = payload.variables.waiting_nameplate_mw;
  if (waiting) {
    const medians = waiting.values
      .map((row) => row[quantileIndex[0.5]])
      .filter((value) => value !== null);
    const shortfall = medians.length ? Math.max(...medians) : 0;
    if (shortfall > 0) {
      text += ` Hosting: up to ${formatCount(shortfall)} MW (P50) of delivered accelerators wait for room in a built data centre and draw nothing meanwhile.`;
    }
  }
  text += gridText(payload, quantileIndex);
  return `${text} Baseline model: ${payload.model_version}.`;
}

// A comparison's per-year figure side by side: P10 / P50 / P90 of each scenario, then of each
// later scenario's difference from the first (taken draw by draw on the server). The cells carry
// data-scenario, data-variable (the figure or its _difference) and data-quantile.
export function fillComparisonTable(table, payload, name, label, quantileIndex) {
  const ids = payload.coords.scenario;
  const variable = payload.variables[name];
  const difference = payload.variables[`${name}_difference`];
  const groups = ids.map((id, index) => ({
    id,
    title: index === 0 ? `${id} (reference)` : id,
    variable: name,
    values: variable.values[index],
  }));
  if (difference) {
    for (let index = 1; index < ids.length; index += 1) {
      groups.push({
        id: ids[index],
        title: `${ids[index]} − ${ids[0]}`,
        variable: `${name}_difference`,
        values: difference.values[index],
      });
    }
  }
  const headTop = document.createElement("tr");
  const headLevels = document.createElement("tr");
  headTop.append(headerCell("Year", { scope: "col", rowSpan: 2 }));
  for (const group of groups) {
    headTop.append(headerCell(group.title, { scope: "colgroup", colSpan: 3 }));
    for (const [, levelName] of TABLE_LEVELS) {
      const title = `${label}, ${group.title}, ${levelName} over the draws [${variable.units}]`;
      headLevels.append(headerCell(levelName, { scope: "col", title }));
    }
  }
  table.tHead.replaceChildren(headTop, headLevels);
  // One number of decimals for every column, by the unit: 0.60 TWh beside 150.00 TWh.
  const digits = digitsForUnit(variable.units);
  const rows = payload.coords.year.map((year, yearIndex) => {
    const row = document.createElement("tr");
    row.append(headerCell(String(year), { scope: "row" }));
    for (const group of groups) {
      for (const [level] of TABLE_LEVELS) {
        const cell = document.createElement("td");
        cell.textContent = formatNumber(group.values[yearIndex][quantileIndex[level]], digits);
        cell.dataset.scenario = group.id;
        cell.dataset.variable = group.variable;
        cell.dataset.quantile = String(level);
        if (level === 0.5) cell.className = "median-cell";
        row.append(cell);
      }
    }
    return row;
  });
  table.tBodies[0].replaceChildren(...rows);
  table.caption.textContent =
    `${label} [${variable.units}] per calendar year: P10 / P50 / P90 over the draws of each ` +
    `scenario, then of each one's difference from ${ids[0]}, draw by draw`;
}

// A scenario's caveats (one line each: what to know before quoting its figures) as the items of
// the list in `container` (a labelled <ul> beside the summary, as the horizon note); the whole
// container is hidden where there are none.
export function fillCaveats(container, texts) {
  const items = texts.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  });
  container.querySelector("ul").replaceChildren(...items);
  container.hidden = items.length === 0;
}
