// Dashboard of the AI grid demand forecast API: pick a scenario, edit its main assumptions,
// POST it to /v1/projections and show the answer as charts and tables. Everything comes from
// this server (the API and the vendored chart library), so the page works offline.

import {
  ApiError,
  csvMetadata,
  getJson,
  JobCancelledError,
  offerCancel,
  progressReporter,
  project,
  projectionCsv,
  saveFile,
  scenarioPath,
} from "./api.js";
import { annualBars, fanChart, offerChartDownloads } from "./charts.js";
import { compareWithShipped, startComparison } from "./compare.js";
import { fillCalendarTable, renderFlexibility } from "./flexibility.js";
import { formatCount } from "./format.js";
import { offerKeyField } from "./key.js";
import {
  buildRequest,
  clearInvalid,
  clearInvalidField,
  FieldError,
  fieldOf,
  fillSelect,
  focusField,
  focusInvalid,
  heldScenarioId,
  labelOf,
  markInvalid,
  resetToScenario,
  selectDeployment,
  selectRegion,
  showEdit,
  showScenario,
  stillRefused,
} from "./form.js";
import {
  annual,
  fillCaveats,
  fillGridTable,
  fillSiteTable,
  fillTable,
  summaryText,
  tableColumns,
} from "./tables.js";

const QUANTILES = [0.05, 0.1, 0.5, 0.9, 0.95];
// Monthly means keep a decade to ~150 points per series: the answer is small and fast to draw.
const RESOLUTION = "monthly";
const DEFAULT_SCENARIO = "kr-national";
// A scenario picked with the arrow keys changes at each press: only a pick left this long runs.
const SWITCH_DELAY_MS = 400;

const state = {
  scenarios: [],
  loadToken: 0,
  switchTimer: null,
  controller: null, // aborts the projection in flight when a newer one supersedes it
  last: null, // the projection shown: {request, resultUrl, shippedId, changes, tags, period, payload}
};

const byId = (id) => document.getElementById(id);

function setStatus(text) {
  byId("status").textContent = text;
}

function clearError() {
  byId("error").replaceChildren();
  clearInvalid();
}

// The error in two places: beside the field it is about (marked invalid, its message under
// it) and, by the Run button, a summary whose link takes the user to that field; the focus
// moves there too. An error no field is about (the network, the server) is in the summary only.
function showError(error) {
  const refused = error instanceof ApiError && error.status;
  const field = error instanceof FieldError ? error.field : refused ? fieldOf(error.message) : null;
  const lead = document.createElement("p");
  lead.textContent = refused
    ? `The API refused the request (HTTP ${error.status}): ${error.message}`
    : `Error: ${error.message}`;
  byId("error").replaceChildren(lead);
  if (!field) return;
  markInvalid(field, refused ? `Refused by the API: ${error.message}` : error.message);
  const link = document.createElement("a");
  link.href = `#${field}`;
  link.textContent = labelOf(field);
  // Focus the field without the jump to #id: the page's hash holds the scenario picked.
  link.addEventListener("click", (event) => {
    event.preventDefault();
    focusField(byId(field));
  });
  const fix = document.createElement("p");
  fix.append("Field to fix: ", link, " (the message is beside it).");
  byId("error").append(fix);
  focusInvalid();
}

// ---------------------------------------------------------------------------------------------
// Scenario

async function loadScenario(scenarioId, token) {
  const [detail, inputs] = await Promise.all([
    getJson(scenarioPath(scenarioId)),
    getJson(`${scenarioPath(scenarioId)}/inputs`),
  ]);
  if (token !== state.loadToken) return false; // another scenario was picked meanwhile
  const summary = state.scenarios.find((item) => item.id === scenarioId);
  showScenario(detail.scenario, inputs, summary);
  return true;
}

// The list shows the scenario the form holds again: a failed load left it on the new pick while
// the form, and so Run, held the previous scenario (kr-outlook-flex shown, kr-outlook projected),
// and picking the new one again fired no change. Back on the held one, a pick retries the load.
function showHeldScenario(scenarioId, error) {
  const held = heldScenarioId();
  const select = byId("scenario");
  const why = error instanceof ApiError && error.status ? `HTTP ${error.status}: ` : "";
  byId("error").textContent = `Could not load scenario ${scenarioId} (${why}${error.message}).`;
  if (held) {
    select.value = held;
    history.replaceState(null, "", `#scenario=${encodeURIComponent(held)}`);
    setStatus(
      `Could not load scenario ${scenarioId}: the form and the list still hold ${held}; ` +
        `pick ${scenarioId} again to retry.`,
    );
  } else {
    select.selectedIndex = -1; // nothing loaded: no scenario shown, so any pick retries
    setStatus(`Could not load scenario ${scenarioId}: pick a scenario again to retry.`);
  }
}

async function switchScenario(scenarioId) {
  clearError();
  const token = ++state.loadToken;
  setStatus(`Loading scenario ${scenarioId}…`);
  let loaded;
  try {
    loaded = await loadScenario(scenarioId, token);
  } catch (error) {
    if (token === state.loadToken) showHeldScenario(scenarioId, error);
    return;
  }
  if (loaded) await run();
}

// ---------------------------------------------------------------------------------------------
// Running and downloading

async function run() {
  clearError();
  // Run projects the scenario the form holds: only when the list shows that one (a pick still
  // loading, or one that failed to load, must not run the previous scenario under its name).
  const shown = byId("scenario").value;
  if (shown !== heldScenarioId()) {
    setStatus(
      shown
        ? `Not run: scenario ${shown} is still loading; it runs once loaded.`
        : "Not run: no scenario is loaded; pick one.",
    );
    return;
  }
  let built;
  try {
    built = buildRequest({ resolution: RESOLUTION, quantiles: QUANTILES });
  } catch (error) {
    showError(error);
    setStatus("Not run: fix the field marked invalid (the summary below links to it).");
    return;
  }
  const { request, changes, tags, period, shippedId } = built;
  // A newer run supersedes the one in flight: its request is aborted, its answer never shown.
  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  // aria-disabled, not disabled: Chromium moves the focus of a disabled button to <body>, and
  // a screen reader user lost their place; the form's submit handler ignores it meanwhile.
  byId("run").setAttribute("aria-disabled", "true");
  byId("results").setAttribute("aria-busy", "true");
  const name = request.scenario_id || request.scenario.id;
  setStatus(`Running projection of ${name} with ${request.draws} draws…`);
  const started = performance.now();
  const progress = progressReporter(setStatus, byId("job-progress"));
  try {
    const { payload, resultUrl, served } = await project(
      request,
      (status, percent, jobId) => {
        offerCancel(byId("cancel-job"), jobId, showError);
        progress(status, percent);
      },
      controller.signal,
    );
    render(payload);
    state.last = { request, resultUrl, shippedId, changes, tags, period, payload };
    byId("request-json").textContent = JSON.stringify(request, null, 2);
    byId("download-csv").disabled = false;
    byId("compare-shipped").hidden = !request.scenario;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const what = changes.length ? ` (${changes.join("; ")})` : "";
    setStatus(
      `Projection of ${payload.scenario_id}${what} done in ${seconds} s: ` +
        `${request.draws} draws, seed ${request.seed}` +
        `${request.weather_year ? `, on ${request.weather_year} weather only` : ""}` +
        `${servedNote(served)}.`,
    );
  } catch (error) {
    if (error.name === "AbortError") return; // superseded: the newer run reports
    if (error instanceof JobCancelledError) {
      setStatus(
        `Projection cancelled (${error.message}); ` +
          "the charts and tables still show the previous result.",
      );
    } else {
      showError(error);
      setStatus("Projection failed; the charts and tables still show the previous result.");
    }
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      // The cancel button hides itself: its focus goes to Run, not to <body>.
      const cancel = byId("cancel-job");
      if (document.activeElement === cancel) byId("run").focus();
      cancel.hidden = true;
      byId("job-progress").hidden = true;
      byId("run").removeAttribute("aria-disabled");
      byId("results").setAttribute("aria-busy", "false");
    }
  }
}

function servedNote(served) {
  if (served === "job") return ", computed as a background job";
  return served ? `, cache ${served}` : "";
}

// The projection's files are named after the scenario, its edits, its period, its draws and its
// seed, then what the file holds: kr-outlook-edited-capital-limit-100MW_2026-2030_d200_s0_annual
// (the API names every edited run kr-outlook-edited). A period alone is no edit: its run names
// the shipped scenario, and so do its files (kr-outlook_2026-2030_d200_s0_annual); a design
// weather year follows the period (kr-outlook_2026-2030_w2018_d200_s0_annual).
function fileBase() {
  if (!state.last) return "projection";
  const { shippedId, tags, period, request } = state.last;
  const edits = tags.length ? `-edited-${tags.join("-")}` : "";
  const when = period ? `_${period}` : "";
  const weather = request.weather_year ? `_w${request.weather_year}` : "";
  const base = `${shippedId}${edits}`.slice(0, 140);
  return `${base}${when}${weather}_d${request.draws}_s${request.seed}`;
}

// The CSV and, beside it as the command line writes it, its provenance (<file>.csv.meta.json).
// What a chart file says above the chart (the page says it around the chart): the scenario
// and its edits with the chart's caption (variable, unit, bands), then the draws, seed and
// period, and what the bands mean.
function chartHeading(caption) {
  const { payload, changes, request } = state.last;
  const edits = changes.length ? ` (${changes.join("; ")})` : "";
  const years = payload.coords.year;
  return {
    title: `${payload.scenario_id}${edits}: ${caption}`,
    notes: [
      `${request.draws} Monte Carlo draws, seed ${request.seed}, ${years[0]}–${years.at(-1)}; ` +
        "P50 is the median over the draws, P10–P90 their central 80 %, P5–P95 their central " +
        `90 %. Baseline model: ${payload.model_version}.` +
        (request.weather_year
          ? ` Weather: ${request.weather_year} only, every draw (a design weather year).`
          : ""),
    ],
  };
}

async function downloadCsv() {
  if (!state.last) return;
  clearError();
  const resolution = byId("csv-resolution").value;
  setStatus(`Preparing the ${resolution} CSV…`);
  try {
    const filename = `${fileBase()}_${resolution}.csv`;
    // The job's stored result has the page's resolution; another one is the same request again.
    const shown = resolution === state.last.request.resolution;
    const request = { ...state.last.request, resolution };
    const { blob, runId } = await projectionCsv(
      request,
      shown ? state.last.resultUrl : null,
      filename,
    );
    saveFile(blob, filename);
    saveFile(await csvMetadata(runId), `${filename}.meta.json`);
    setStatus(
      `Downloaded ${filename} (${Math.ceil(blob.size / 1024)} KiB, the projection shown) and ` +
        `its provenance, ${filename}.meta.json.`,
    );
  } catch (error) {
    showError(error);
    setStatus("CSV download failed.");
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering a projection

function noBaselineNote(container, country) {
  const note = document.createElement("p");
  note.className = "hint";
  note.textContent = `No baseline model of its grid serves country ${country}: this projection has the AI load only.`;
  container.replaceChildren(note);
}

function renderCharts(payload, quantileIndex) {
  const localTimes = payload.coords.local_time;
  const xLabel = `Month (${payload.attrs.timezone || "local"}); monthly mean of hourly load`;
  const ai = payload.variables.ai_facility_mw;
  const aiMax = Math.max(...ai.values.map((row) => row[quantileIndex[0.95]] ?? 0));
  const aiUnit = aiMax >= 10_000 ? "GW" : "MW";
  byId("ai-caption").textContent =
    `AI data-centre load at the grid [${aiUnit}], monthly mean: P5–P95 and P10–P90 bands, P50 line`;
  fanChart(byId("chart-ai"), {
    values: ai.values,
    quantileIndex,
    localTimes,
    divisor: aiUnit === "GW" ? 1000 : 1,
    unit: aiUnit,
    yLabel: "AI facility load",
    xLabel,
    zeroBased: true,
    kind: "ai",
    title: `AI data-centre load of ${payload.scenario_id} [${aiUnit}], monthly mean`,
  });
  const total = payload.variables.total_mw;
  if (payload.model_version !== "none" && total) {
    byId("total-caption").textContent =
      "Total grid load, baseline + AI [GW], monthly mean: P5–P95 and P10–P90 bands, P50 line";
    fanChart(byId("chart-total"), {
      values: total.values,
      quantileIndex,
      localTimes,
      divisor: 1000,
      unit: "GW",
      yLabel: "Grid load",
      xLabel,
      zeroBased: false,
      kind: "total",
      title: `Total grid load of ${payload.scenario_id} [GW], monthly mean`,
    });
  } else {
    byId("total-caption").textContent = "Total grid load";
    noBaselineNote(byId("chart-total"), payload.attrs.country);
  }
  annualBars(byId("chart-energy"), {
    years: payload.coords.year,
    values: annual(payload, "ai_energy_twh"),
    quantileIndex,
    unit: payload.variables.ai_energy_twh.units,
    yLabel: "AI energy",
    kind: "ai",
    title: `AI data-centre energy of ${payload.scenario_id} per calendar year`,
  });
}

function render(payload) {
  const quantileIndex = Object.fromEntries(
    QUANTILES.map((level) => [
      level,
      payload.coords.quantile.findIndex((value) => Math.abs(value - level) < 1e-9),
    ]),
  );
  renderCharts(payload, quantileIndex);
  const years = payload.coords.year;
  const energy = [
    ["ai_energy_twh", "AI energy"],
    ["non_ai_energy_twh", "Non-AI data-centre energy"],
    // The sector's total, as LBNL and IEA state theirs: adding the AI and non-AI P50s (or P10s,
    // P90s) misstates it, since the draws differ; the API sums them draw by draw.
    ["dc_energy_twh", "All data centres (AI + non-AI) energy"],
    ["ai_share_of_dc_energy_pct", "AI share of data-centre energy"],
    // A grid's hundreds of TWh to one decimal, as the comparison report gives them.
    ["total_energy_twh", "Grid energy", 1],
    ["ai_share_of_energy_pct", "AI share of energy"],
    // Curtailment is small (0.0026 TWh read as nothing): in GWh, to the 0.1 GWh that the
    // comparison report's four decimals of TWh give.
    ["flexibility_curtailed_twh", "AI energy curtailed", 1, { unit: "GWh", factor: 1000 }],
  ];
  const peaks = [
    ["ai_peak_gw", "AI peak"],
    ["dc_peak_gw", "All data centres' (AI + non-AI) own peak"],
    // Two decimals, as the change columns beside it: whole GW hid what flexibility cuts.
    ["total_peak_gw", "Grid peak", 2],
    ["ai_at_national_peak_gw", "AI load at the grid's peak hour"],
    // The whole sector in that hour: a planner took the AI load alone for the data centres'.
    ["dc_at_national_peak_gw", "All data centres (AI + non-AI) at the grid's peak hour"],
    ["peak_change_gw", "Change of the grid peak"],
    ["peak_change_gw_without_flexibility", "Change of the grid peak without flexibility"],
    ["flexibility_peak_reduction_gw", "Flexibility's cut of the grid peak (draw by draw)"],
  ];
  fillTable(byId("energy-table"), years, tableColumns(payload, energy), quantileIndex);
  fillTable(byId("peak-table"), years, tableColumns(payload, peaks), quantileIndex);
  // Which non-AI load the baseline already holds (counted here, not added to the grid total).
  const held = payload.attrs.non_ai_in_baseline_note;
  for (const id of ["energy-table", "peak-table"]) {
    byId(id).caption.textContent =
      `Per calendar year; P10 / P50 / P90 over the draws${held ? `; ${held}` : ""}`;
  }
  renderFlexibility(payload, quantileIndex);
  byId("grid").hidden = !fillGridTable(byId("grid-table"), payload, quantileIndex);
  byId("sites").hidden = !fillSiteTable(byId("site-table"), payload, quantileIndex);
  byId("summary").textContent = summaryText(payload, quantileIndex);
  // A period outside the scenario's horizon: what the projection holds there (the API's note).
  const outside = payload.attrs.horizon_note;
  byId("horizon-note").hidden = !outside;
  byId("horizon-note").textContent = outside ? `Outside the scenario's horizon: ${outside}.` : "";
  // The scenario's caveats (the API's attrs.caveats, a JSON list): the notes reach no result.
  const caveats = payload.attrs.caveats;
  fillCaveats(byId("caveats"), caveats ? JSON.parse(caveats) : []);
  byId("results-heading").textContent = `Projection: ${payload.scenario_id}`;
}

// ---------------------------------------------------------------------------------------------
// Start-up

function requestedScenario() {
  const requested = new URLSearchParams(location.hash.slice(1)).get("scenario");
  return state.scenarios.some((scenario) => scenario.id === requested) ? requested : null;
}

function wireEvents() {
  byId("assumptions").addEventListener("submit", (event) => {
    event.preventDefault();
    if (byId("run").getAttribute("aria-disabled") === "true") return; // one is running
    run();
  });
  // A field marked invalid is cleared once the page no longer refuses its value (it stayed
  // marked, its message beside it, until the next run); the summary goes with the last one.
  byId("assumptions").addEventListener("input", (event) => {
    const field = event.target;
    if (field.getAttribute("aria-invalid") !== "true" || stillRefused(field.id)) return;
    clearInvalidField(field.id);
    if (!byId("assumptions").querySelector("[aria-invalid='true']")) {
      byId("error").replaceChildren();
    }
  });
  byId("scenario").addEventListener("change", (event) => {
    const scenarioId = event.target.value;
    history.replaceState(null, "", `#scenario=${encodeURIComponent(scenarioId)}`);
    // Arrow keys on the select fire a change per press: wait for the last, and stop the
    // projection of an earlier pick so that its answer is never shown.
    clearTimeout(state.switchTimer);
    state.controller?.abort();
    setStatus(`Loading scenario ${scenarioId}…`);
    state.switchTimer = setTimeout(() => switchScenario(scenarioId), SWITCH_DELAY_MS);
  });
  // A link or bookmark to #scenario=ID on the open page picks that scenario too.
  window.addEventListener("hashchange", () => {
    const requested = requestedScenario();
    if (requested && requested !== byId("scenario").value) switchScenario(requested);
  });
  byId("deployment").addEventListener("change", (event) => {
    selectDeployment(Number(event.target.value));
  });
  byId("grid-region").addEventListener("change", (event) => {
    selectRegion(event.target.value);
  });
  byId("reset").addEventListener("click", () => {
    resetToScenario();
    setStatus("Inputs reset to the scenario; run the projection to see it.");
  });
  byId("download-csv").addEventListener("click", downloadCsv);
  // The month x hour table of another year of the projection shown: no new run.
  byId("flex-calendar-year").addEventListener("change", (event) => {
    if (!state.last) return;
    const year = Number(event.target.value);
    fillCalendarTable(state.last.payload, year);
    setStatus(`Flexibility's month × hour tables show ${year}.`);
  });
  for (const id of ["load-factor", "pue", "grid-limit", "flex-share"]) {
    byId(id).addEventListener("input", () => showEdit(id));
  }
  byId("compare-shipped").addEventListener("click", () => {
    if (state.last && state.last.request.scenario) {
      compareWithShipped(state.last.shippedId, state.last.request);
    }
  });
  offerChartDownloads(byId("results"), {
    fileBase,
    heading: chartHeading,
    save: saveFile,
    report: setStatus,
  });
}

async function start() {
  wireEvents();
  // A key entered or forgotten: load the page again, with everything it reads, under it.
  offerKeyField(() => window.location.reload());
  setStatus("Loading scenarios…");
  let accelerators;
  try {
    [state.scenarios, accelerators] = await Promise.all([
      getJson("/v1/scenarios"),
      getJson("/v1/accelerators"),
    ]);
  } catch (error) {
    showError(error);
    setStatus("The page could not load its scenarios.");
    return;
  }
  fillSelect(
    byId("scenario"),
    state.scenarios.map((scenario) => [scenario.id, `${scenario.id}: ${scenario.title}`]),
  );
  startComparison(state.scenarios);
  fillSelect(byId("accelerator"), [
    ["", "As in the scenario"],
    ...accelerators.map((item) => [
      item.accelerator_id,
      `${item.vendor} ${item.name} (${formatCount(item.system_w_per_accelerator)} W per accelerator)`,
    ]),
  ]);
  const ids = state.scenarios.map((scenario) => scenario.id);
  const initial = [requestedScenario(), DEFAULT_SCENARIO, ids[0]].find(
    (id) => id && ids.includes(id),
  );
  if (!initial) {
    setStatus("The service has no scenarios.");
    return;
  }
  await switchScenario(initial);
}

start();
