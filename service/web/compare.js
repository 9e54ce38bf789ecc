// The comparison view: pick several shipped or saved scenarios, POST them to /v1/comparisons with the
// assumptions form's draws, seed, years and weather year, and show their fans, annual bars and side-by-side
// tables (each later scenario's difference from the first, taken draw by draw on the server).
// The projection's edited scenario is compared with its shipped one here too.

import {
  ApiError,
  compare,
  comparisonCsv,
  csvMetadata,
  JobCancelledError,
  offerCancel,
  progressReporter,
  saveFile,
} from "./api.js";
import {
  comparisonBars,
  comparisonFans,
  markerPath,
  offerChartDownloads,
  SERIES_STYLES,
} from "./charts.js";
import { formatNumber } from "./format.js";
import {
  clearInvalidField,
  FieldError,
  fieldOf,
  focusField,
  labelOf,
  markInvalid,
} from "./form.js";
import { fillCaveats, fillComparisonTable } from "./tables.js";

const QUANTILES = [0.05, 0.1, 0.5, 0.9, 0.95];
// Monthly means, as the single projection: small answers, fans with ~150 points per scenario.
const RESOLUTION = "monthly";
// One colour, dash pattern and marker each, so at most as many scenarios as styles on the page
// (the API takes 20).
const MAX_PICKED = SERIES_STYLES.length;
// The field an error about the picks is tied to (FieldError's field).
const PICKS = "comparison-choices";

const view = {
  picked: [], // scenario ids in the order they were picked; the first is the reference
  running: false,
  lastRequest: null,
  lastResultUrl: null,
  lastIds: [],
  lastPayload: null,
  invalid: null, // the assumptions form's field this view marked invalid
};

const byId = (id) => document.getElementById(id);

function setStatus(text) {
  byId("comparison-status").textContent = text;
}

// The error, tied to what it is about: too few picks describe the picks' fieldset and take the
// focus to the first box; a value of the assumptions form (draws, seed, years) is marked
// invalid there, its message beside it, and the error links to it. Either was only in words.
function showError(error) {
  const box = byId("comparison-error");
  box.textContent =
    error instanceof ApiError && error.status
      ? `The API refused the comparison (HTTP ${error.status}): ${error.message}`
      : `Error: ${error.message}`;
  // A refusal by the API is tied to the field its message names, as the projection's are (a
  // weather year a scenario cannot run on was in words only).
  const refused = error instanceof ApiError && error.status;
  const field = error instanceof FieldError ? error.field : refused ? fieldOf(error.message) : null;
  if (!field) return;
  if (field === PICKS) {
    byId("comparison-form").querySelector("fieldset").setAttribute("aria-describedby", box.id);
    byId(PICKS).querySelector("input:not(:disabled)")?.focus();
    return;
  }
  markInvalid(field, refused ? `Refused by the API: ${error.message}` : error.message);
  view.invalid = field;
  const link = document.createElement("a");
  link.href = `#${field}`;
  link.textContent = labelOf(field);
  // Focus the field without the jump to #id: the page's hash holds the scenario picked.
  link.addEventListener("click", (event) => {
    event.preventDefault();
    focusField(byId(field));
  });
  const fix = document.createElement("p");
  fix.append("Field to fix: ", link, " (in the assumptions form; the message is beside it).");
  box.append(fix);
}

function clearError() {
  byId("comparison-error").replaceChildren();
  byId("comparison-form").querySelector("fieldset").removeAttribute("aria-describedby");
  if (view.invalid) clearInvalidField(view.invalid);
  view.invalid = null;
}

// ---------------------------------------------------------------------------------------------
// Picking

function showOrder() {
  const [reference, ...others] = view.picked;
  byId("comparison-order").textContent = reference
    ? `Compared in this order: ${reference} (reference)${others.map((id) => `, ${id}`).join("")}.`
    : "Pick two or more scenarios.";
  for (const box of byId("comparison-choices").querySelectorAll("input")) {
    box.disabled = !box.checked && view.picked.length >= MAX_PICKED;
  }
  // Enough picks now: the error about too few goes.
  const picks = byId("comparison-form").querySelector("fieldset");
  if (view.picked.length >= 2 && picks.hasAttribute("aria-describedby")) clearError();
}

function choice(scenario) {
  const label = document.createElement("label");
  const box = document.createElement("input");
  box.type = "checkbox";
  box.name = "compare";
  box.value = scenario.id;
  box.addEventListener("change", () => {
    view.picked = box.checked
      ? [...view.picked, scenario.id]
      : view.picked.filter((id) => id !== scenario.id);
    showOrder();
  });
  const name = document.createElement("span");
  name.textContent = scenario.id;
  const title = document.createElement("span");
  title.className = "choice-title";
  title.textContent = scenario.title;
  label.append(box, name, title);
  return label;
}

// ---------------------------------------------------------------------------------------------
// Running

function readInteger(inputId, label) {
  const text = byId(inputId).value.trim();
  const value = Number(text);
  if (text === "" || !Number.isInteger(value)) {
    throw new FieldError(inputId, `${label} (assumptions form): "${text}" is not a whole number`);
  }
  return value;
}

function buildRequest() {
  if (view.picked.length < 2) {
    throw new FieldError(
      PICKS,
      `scenarios: ${view.picked.length} picked; pick at least 2 to compare`,
    );
  }
  const startYear = readInteger("start-year", "From year");
  const endYear = readInteger("end-year", "To year");
  const request = {
    scenarios: view.picked.map((id) => ({ scenario_id: id })),
    draws: readInteger("draws", "Draws"),
    seed: readInteger("seed", "Seed"),
    start: `${startYear}-01-01`,
    end: `${endYear}-12-31`,
    resolution: RESOLUTION,
    quantiles: QUANTILES,
  };
  // The design weather year, as the projection sends it (form.js): left out for all years, so
  // the request keeps the result key it had before. A scenario whose location did not observe
  // it is refused by the API (422 naming weather_year and the years it did).
  const weatherYear = byId("weather-year").value;
  if (weatherYear) request.weather_year = Number(weatherYear);
  return request;
}

function runPicked() {
  if (view.running) return;
  clearError();
  let request;
  try {
    request = buildRequest();
  } catch (error) {
    showError(error);
    setStatus("Not run: see below.");
    return;
  }
  runComparison(request);
}

// The projection's edited scenario beside the scenario as shipped (the reference), with the
// projection's draws, seed and period: each year's difference is the edit's effect, draw by
// draw. `projection` is the body of POST /v1/projections that carried the edited scenario.
export function compareWithShipped(shippedId, projection) {
  if (view.running) return;
  clearError();
  const { scenario, ...options } = projection; // its resolution and quantiles: the view's
  const section = byId("comparison");
  section.scrollIntoView({ block: "start" });
  section.focus({ preventScroll: true });
  runComparison({
    ...options,
    scenarios: [{ scenario_id: shippedId }, { scenario }],
    resolution: RESOLUTION,
    quantiles: QUANTILES,
  });
}

const idOf = (choice) => choice.scenario_id ?? choice.scenario.id;

// ", on 2018 weather only" where the request fixes a design weather year; empty otherwise.
const weatherNote = (request) =>
  request.weather_year ? `, on ${request.weather_year} weather only` : "";

// While a comparison runs, both buttons that start one wait; the projection's "Compare with
// the scenario as shipped", far from this section's status, says why beside it (a click on it
// did nothing and said nothing).
// Both are marked aria-disabled, not disabled: Chromium moves the focus of a disabled button to
// <body>, and a screen reader user lost their place (a click while running does nothing).
function showRunning(running) {
  view.running = running;
  for (const id of ["run-comparison", "compare-shipped"]) {
    if (running) byId(id).setAttribute("aria-disabled", "true");
    else byId(id).removeAttribute("aria-disabled");
  }
  byId("compare-shipped-busy").hidden = !running;
  byId("comparison").setAttribute("aria-busy", String(running));
}

async function runComparison(request) {
  showRunning(true);
  const names = request.scenarios.map(idOf).join(", ");
  setStatus(`Running comparison of ${names} with ${request.draws} draws…`);
  const started = performance.now();
  const progress = progressReporter(setStatus, byId("comparison-job-progress"));
  try {
    const { payload, resultUrl, served } = await compare(request, (status, percent, jobId) => {
      offerCancel(byId("cancel-comparison-job"), jobId, showError);
      progress(status, percent);
    });
    render(payload);
    view.lastRequest = request;
    view.lastResultUrl = resultUrl;
    view.lastIds = payload.scenario_ids;
    view.lastPayload = payload;
    byId("comparison-request-json").textContent = JSON.stringify(request, null, 2);
    byId("download-comparison-csv").disabled = false;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const how = served === "job" ? ", computed as a background job" : `, cache ${served}`;
    setStatus(
      `Comparison of ${payload.scenario_ids.join(", ")} done in ${seconds} s: ` +
        `${request.draws} draws each, seed ${request.seed}${weatherNote(request)}${how}.`,
    );
  } catch (error) {
    if (error instanceof JobCancelledError) {
      setStatus(
        `Comparison cancelled (${error.message}); ` +
          "the charts and tables still show the previous one.",
      );
    } else {
      showError(error);
      setStatus("Comparison failed; the charts and tables still show the previous one.");
    }
  } finally {
    // The cancel button hides itself: its focus goes to Run comparison, not to <body>.
    const cancel = byId("cancel-comparison-job");
    if (document.activeElement === cancel) byId("run-comparison").focus();
    cancel.hidden = true;
    byId("comparison-job-progress").hidden = true;
    showRunning(false);
  }
}

// The comparison's files are named after the scenarios compared, the period, the draws and the
// seed: comparison-kr-national-kr-outlook_2024-2035_d200_s0 (then _ai-load.svg, .csv); a design
// weather year follows the period, as the projection's (..._2024-2035_w2018_d200_s0).
// (A comparison with the scenario as shipped may send no period: the years are the answer's.)
const period = () => {
  const years = view.lastPayload.coords.year;
  return `${years[0]}-${years.at(-1)}`;
};

function fileBase() {
  const { draws, seed, weather_year: weatherYear } = view.lastRequest;
  const ids = `comparison-${view.lastIds.join("-")}`.slice(0, 150);
  const weather = weatherYear ? `_w${weatherYear}` : "";
  return `${ids}_${period()}${weather}_d${draws}_s${seed}`;
}

// What a chart file says above the chart: the scenarios, the chart's caption (variable, unit,
// bands), the draws, seed, period and design weather year, and the series' legend (colour,
// dashes, marker).
function chartHeading(caption) {
  const { draws, seed, weather_year: weatherYear } = view.lastRequest;
  const payload = view.lastPayload;
  return {
    title: `${payload.scenario_ids.join(" vs ")}: ${caption}`,
    notes: [
      `${draws} Monte Carlo draws each, seed ${seed}, ${period().replace("-", "–")}, ` +
        `common random numbers; P50 is the median over the draws, P10–P90 their central 80 %.` +
        (weatherYear
          ? ` Weather: ${weatherYear} only, every draw (a design weather year).`
          : ""),
    ],
    legend: payload.scenario_ids.map((id, index) => ({
      label: index === 0 ? `${id} (reference)` : id,
      ...SERIES_STYLES[index],
    })),
  };
}

// The CSV and, beside it as the command line writes it, its provenance (<file>.csv.meta.json).
async function downloadCsv() {
  if (!view.lastRequest) return;
  clearError();
  setStatus("Preparing the comparison CSV…");
  try {
    const filename = `${fileBase()}.csv`;
    const { blob, runId } = await comparisonCsv(view.lastRequest, view.lastResultUrl, filename);
    saveFile(blob, filename);
    saveFile(await csvMetadata(runId), `${filename}.meta.json`);
    setStatus(
      `Downloaded ${filename} (${Math.ceil(blob.size / 1024)} KiB, the comparison shown) and ` +
        `its provenance, ${filename}.meta.json.`,
    );
  } catch (error) {
    showError(error);
    setStatus("CSV download failed.");
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

const SVG_NS = "http://www.w3.org/2000/svg";

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// Each scenario's key as the charts draw it: its line's colour and dashes with its marker (the
// lines and bars carry the marker), then its id. A colour swatch alone told the series apart by
// colour only.
function legend(series, reference) {
  const items = series.map(({ id, colour, dash, marker }) => {
    const item = document.createElement("li");
    const swatch = svgElement("svg", { width: 36, height: 14, "aria-hidden": "true" });
    swatch.append(
      svgElement("line", {
        x1: 0,
        x2: 36,
        y1: 7,
        y2: 7,
        stroke: colour,
        "stroke-width": 2.2,
        "stroke-dasharray": dash,
      }),
      svgElement("path", {
        d: markerPath(marker),
        transform: "translate(18,7)",
        fill: colour,
        class: "marker",
        "data-marker": marker,
      }),
    );
    item.dataset.scenario = id;
    item.append(swatch, id === reference ? `${id} (reference)` : id);
    return item;
  });
  byId("comparison-legend").replaceChildren(...items);
}

// Series of one variable, leaving out scenarios that lack it (no baseline: no total load).
function seriesOf(payload, name) {
  const variable = payload.variables[name];
  if (!variable) return [];
  return payload.coords.scenario
    .map((id, index) => ({
      id,
      ...SERIES_STYLES[index],
      values: variable.values[index],
    }))
    .filter(({ values }) => values.flat().some((value) => value !== null));
}

function summary(payload, quantileIndex) {
  const years = payload.coords.year;
  const last = years.length - 1;
  const energy = payload.variables.ai_energy_twh.values;
  const difference = payload.variables.ai_energy_twh_difference;
  const reference = payload.reference;
  const p50 = (index, year) => formatNumber(energy[index][year][quantileIndex[0.5]], 2);
  const change = (index, year) => {
    const row = difference.values[index][year];
    const delta = (level) => formatNumber(row[quantileIndex[level]], 2);
    return `${delta(0.5)} TWh vs ${reference}, P10–P90 ${delta(0.1)} to ${delta(0.9)}`;
  };
  const parts = payload.coords.scenario.map((id, index) =>
    index === 0 || !difference
      ? `${id} ${p50(index, last)} TWh`
      : `${id} ${p50(index, last)} TWh (${change(index, last)})`,
  );
  let text = `AI energy in ${years[last]}, P50 over the draws: ${parts.join("; ")}.`;
  if (!difference) return text;
  // The last year alone hid an effect that has passed by then (a connection limit's queue
  // clears once the grid is reinforced): the year of each one's largest difference too.
  payload.coords.scenario.forEach((id, index) => {
    if (index === 0) return;
    const medians = difference.values[index].map((row) => Math.abs(row[quantileIndex[0.5]] ?? 0));
    const year = medians.indexOf(Math.max(...medians));
    // Below half the shown 0.01 TWh the difference reads as 0.00: no year stands out.
    if (year === last || medians[year] < 0.005) return;
    text +=
      ` ${id} differs most in ${years[year]}: ${p50(index, year)} TWh against ` +
      `${p50(0, year)} TWh (${change(index, year)}).`;
  });
  return text;
}

function render(payload) {
  const quantileIndex = Object.fromEntries(
    QUANTILES.map((level) => [
      level,
      payload.coords.quantile.findIndex((value) => Math.abs(value - level) < 1e-9),
    ]),
  );
  byId("comparison-results").hidden = false;
  const ai = seriesOf(payload, "ai_facility_mw");
  legend(ai, payload.reference);
  const localTimes = payload.coords.local_time;
  const xLabel = `Month (${payload.attrs.timezone || "local"}); monthly mean of hourly load`;
  const aiMax = Math.max(
    ...ai.flatMap(({ values }) => values.map((row) => row[quantileIndex[0.9]] ?? 0)),
  );
  const aiUnit = aiMax >= 10_000 ? "GW" : "MW";
  byId("comparison-ai-caption").textContent =
    `AI data-centre load at the grid [${aiUnit}], monthly mean: P10–P90 band and P50 line per scenario`;
  comparisonFans(byId("comparison-chart-ai"), {
    series: ai,
    quantileIndex,
    localTimes,
    divisor: aiUnit === "GW" ? 1000 : 1,
    unit: aiUnit,
    yLabel: "AI facility load",
    xLabel,
    zeroBased: true,
    kind: "ai",
    title: `AI data-centre load of ${payload.scenario_ids.join(", ")} [${aiUnit}], monthly mean`,
  });
  const total = seriesOf(payload, "total_mw");
  const totalChart = byId("comparison-chart-total");
  if (total.length) {
    byId("comparison-total-caption").textContent =
      "Total grid load, baseline + AI [GW], monthly mean: P10–P90 band and P50 line per scenario";
    comparisonFans(totalChart, {
      series: total,
      quantileIndex,
      localTimes,
      divisor: 1000,
      unit: "GW",
      yLabel: "Grid load",
      xLabel,
      zeroBased: false,
      kind: "total",
      title: `Total grid load of ${total.map(({ id }) => id).join(", ")} [GW], monthly mean`,
    });
  } else {
    byId("comparison-total-caption").textContent = "Total grid load";
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent = "No baseline model of their grid serves these scenarios: the AI load only.";
    totalChart.replaceChildren(note);
  }
  comparisonBars(byId("comparison-chart-energy"), {
    years: payload.coords.year,
    series: seriesOf(payload, "ai_energy_twh"),
    quantileIndex,
    unit: payload.variables.ai_energy_twh.units,
    yLabel: "AI energy",
    title: "AI data-centre energy per calendar year",
  });
  fillComparisonTable(
    byId("comparison-energy-table"),
    payload,
    "ai_energy_twh",
    "AI energy",
    quantileIndex,
  );
  fillComparisonTable(
    byId("comparison-peak-table"),
    payload,
    "ai_peak_gw",
    "AI peak",
    quantileIndex,
  );
  // All data centres (AI + non-AI), where the scenarios have non-AI loads.
  const sector = "dc_energy_twh" in payload.variables;
  byId("comparison-dc-energy").hidden = !sector;
  if (sector) {
    fillComparisonTable(
      byId("comparison-dc-energy-table"),
      payload,
      "dc_energy_twh",
      "All data centres (AI + non-AI) energy",
      quantileIndex,
    );
  }
  // The grid peak's change exists only with a baseline model.
  const peakChange = "peak_change_gw" in payload.variables;
  byId("comparison-peak-change").hidden = !peakChange;
  if (peakChange) {
    fillComparisonTable(
      byId("comparison-peak-change-table"),
      payload,
      "peak_change_gw",
      "Change of the grid peak",
      quantileIndex,
    );
  }
  byId("comparison-summary").textContent = summary(payload, quantileIndex);
  // Each scenario's caveats, after its id (the API's scenarios[].caveats).
  fillCaveats(
    byId("comparison-caveats"),
    payload.scenarios.flatMap(({ id, caveats = [] }) => caveats.map((text) => `${id}: ${text}`)),
  );
  byId("comparison-heading").textContent = `Compare scenarios: ${payload.scenario_ids.join(", ")}`;
}

// ---------------------------------------------------------------------------------------------
// Start-up

// `scenarios` is GET /v1/scenarios.
export function startComparison(scenarios) {
  byId("comparison-choices").replaceChildren(...scenarios.map(choice));
  showOrder();
  byId("comparison-form").addEventListener("submit", (event) => {
    event.preventDefault();
    runPicked();
  });
  byId("clear-comparison").addEventListener("click", () => {
    for (const box of byId("comparison-choices").querySelectorAll("input")) box.checked = false;
    view.picked = [];
    showOrder();
  });
  // A value fixed in the assumptions form clears this view's mark of it (form.js clears the
  // field's; this view's message and link go with it).
  byId("assumptions").addEventListener("input", (event) => {
    if (event.target.id === view.invalid && !event.target.hasAttribute("aria-invalid")) {
      clearError();
    }
  });
  byId("download-comparison-csv").addEventListener("click", downloadCsv);
  offerChartDownloads(byId("comparison-results"), {
    fileBase,
    heading: chartHeading,
    save: saveFile,
    report: setStatus,
  });
}
