// Dashboard of the AI grid demand forecast API: pick a scenario, edit its main assumptions in
// the browser, POST it to /v1/projections and draw the answer as inline SVG and tables.
// No libraries and no network beyond this server's own API, so the page works offline.
"use strict";

const QUANTILES = [0.05, 0.1, 0.5, 0.9, 0.95];
// Monthly means keep a decade to ~150 points per series: the answer is small and fast to draw.
const RESOLUTION = "monthly";
const DEFAULT_SCENARIO = "kr-national";
const JOB_POLL_MS = 500;
const SVG_NS = "http://www.w3.org/2000/svg";
const DASHBOARD_NOTE = "edited on the dashboard";

const PAGE_DEFAULTS = JSON.parse(document.getElementById("page-defaults").textContent);

// Operations the page re-centres: input id, allowed range (the scenario format's) and label.
const OPERATION_INPUTS = [
  { name: "load_factor", input: "load-factor", low: 0, high: 1, label: "Load factor" },
  { name: "pue", input: "pue", low: 1, high: 5, label: "PUE" },
];

// Which input an API error message is about, so it can be marked invalid.
const ERROR_FIELDS = [
  [/load_factor/, "load-factor"],
  [/\bpue\b/, "pue"],
  [/build_probability/, "build-probability"],
  [/milestones|deployments/, "gpu-target"],
  [/\bdraws\b/, "draws"],
  [/\bseed\b/, "seed"],
  [/\bstart\b|period/, "start-year"],
  [/\bend\b/, "end-year"],
];

const state = {
  scenarios: [],
  accelerators: [],
  original: null, // the shipped scenario, as GET /v1/scenarios/{id} gave it
  shown: {}, // input values shown for the shipped scenario, to tell edits apart
  deploymentEdits: new Map(), // deployment index -> {count, date} typed by the user
  editedDeployment: -1,
  loadToken: 0,
  running: false,
  rerun: false,
  lastRequest: null,
  lastResultUrl: null,
  lastScenarioId: null,
};

const byId = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// API access

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, `could not reach the API at ${path}: ${error.message}`);
  }
  if (!response.ok) {
    let detail = response.statusText || "request failed";
    try {
      const body = await response.json();
      if (body && body.detail !== undefined) {
        detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
      }
    } catch {
      // Not JSON (a proxy's error page): the status text is all there is.
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForJob(job) {
  for (;;) {
    await sleep(JOB_POLL_MS);
    const current = await (await api(`/v1/jobs/${job.id}`)).json();
    if (current.status === "succeeded") return current.result_url;
    if (current.status === "failed") {
      throw new ApiError(current.error_status || 500, current.error || "the job failed");
    }
    const percent = current.total_hours
      ? Math.round((100 * current.done_hours) / current.total_hours)
      : 0;
    setStatus(`Running as a background job (${current.status}): ${percent} % of hours computed…`);
  }
}

// ---------------------------------------------------------------------------------------------
// Distributions (the scenario format's quantities)

function central(quantity) {
  switch (quantity.dist) {
    case "fixed":
      return quantity.value;
    case "triangular":
      return quantity.mode;
    case "uniform":
      return (quantity.low + quantity.high) / 2;
    case "lognormal":
      return quantity.median;
    case "beta": {
      const low = quantity.low ?? 0;
      const high = quantity.high ?? 1;
      return low + ((high - low) * quantity.alpha) / (quantity.alpha + quantity.beta);
    }
    default:
      return NaN;
  }
}

function describe(quantity) {
  const n = (value) => String(+value.toPrecision(4));
  switch (quantity.dist) {
    case "fixed":
      return `fixed ${n(quantity.value)}`;
    case "triangular":
      return `triangular, low ${n(quantity.low)}, mode ${n(quantity.mode)}, high ${n(quantity.high)}`;
    case "uniform":
      return `uniform ${n(quantity.low)}–${n(quantity.high)}`;
    case "lognormal":
      return `lognormal, median ${n(quantity.median)}, σ ${n(quantity.sigma)}`;
    case "beta":
      return `beta(${n(quantity.alpha)}, ${n(quantity.beta)}) on ${n(quantity.low ?? 0)}–${n(quantity.high ?? 1)}`;
    default:
      return quantity.dist;
  }
}

// The same distribution moved to a new central value: the relative spread is kept and the
// bounds clipped to the allowed range, so "load factor 0.8" keeps the scenario's uncertainty.
function recentred(quantity, value, low, high) {
  const source = `${quantity.source ? `${quantity.source}; ` : ""}${DASHBOARD_NOTE}: centred on ${value}`;
  const ratio = central(quantity) > 0 ? value / central(quantity) : 1;
  const scaled = (bound) => +Math.min(Math.max(bound * ratio, low), high).toPrecision(6);
  const fixed = { dist: "fixed", value, source };
  switch (quantity.dist) {
    case "triangular": {
      const lower = Math.min(scaled(quantity.low), value);
      const upper = Math.max(scaled(quantity.high), value);
      return lower < upper ? { dist: "triangular", low: lower, mode: value, high: upper, source } : fixed;
    }
    case "uniform": {
      const half = ((quantity.high - quantity.low) / 2) * ratio;
      const lower = Math.max(+(value - half).toPrecision(6), low);
      const upper = Math.min(+(value + half).toPrecision(6), high);
      return lower < upper ? { dist: "uniform", low: lower, high: upper, source } : fixed;
    }
    case "lognormal":
      return { ...quantity, median: value, source };
    case "beta": {
      const lower = scaled(quantity.low ?? 0);
      const upper = scaled(quantity.high ?? 1);
      return lower < upper ? { ...quantity, low: lower, high: upper, source } : fixed;
    }
    default:
      return fixed;
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

function digitsFor(maxAbs) {
  if (!Number.isFinite(maxAbs)) return 0;
  if (maxAbs >= 100) return 0;
  if (maxAbs >= 10) return 1;
  if (maxAbs >= 1) return 2;
  return 3;
}

function formatNumber(value, digits) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

const formatCount = (value) => Math.round(value).toLocaleString("en-US");

// ---------------------------------------------------------------------------------------------
// Status and errors

function setStatus(text) {
  byId("status").textContent = text;
}

function clearError() {
  byId("error").textContent = "";
  for (const element of document.querySelectorAll("[aria-invalid='true']")) {
    element.removeAttribute("aria-invalid");
  }
}

function showError(error) {
  const message =
    error instanceof ApiError && error.status
      ? `The API refused the request (HTTP ${error.status}): ${error.message}`
      : `Error: ${error.message}`;
  byId("error").textContent = message;
  for (const [pattern, inputId] of ERROR_FIELDS) {
    if (pattern.test(error.message)) {
      byId(inputId).setAttribute("aria-invalid", "true");
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario and inputs

function lastMilestone(deployment) {
  return deployment.milestones[deployment.milestones.length - 1];
}

function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}

function announcedSites(scenario) {
  return (scenario.sites || []).filter((site) => site.status === "announced");
}

async function loadScenario(scenarioId) {
  const token = ++state.loadToken;
  const detail = await (await api(`/v1/scenarios/${encodeURIComponent(scenarioId)}`)).json();
  if (token !== state.loadToken) return false; // another scenario was picked meanwhile
  state.original = detail.scenario;
  showScenario();
  return true;
}

function showScenario() {
  const scenario = state.original;
  const summary = state.scenarios.find((item) => item.id === scenario.id);
  byId("scenario").value = scenario.id;
  byId("scenario-description").textContent =
    `${scenario.description} Basis: ${scenario.basis}; country ${scenario.country}; ` +
    `horizon ${scenario.horizon.start} to ${scenario.horizon.end}` +
    (summary && summary.regions.length > 1 ? `; regions ${summary.regions.join(", ")}.` : ".");
  const firstYear = Number(scenario.horizon.start.slice(0, 4));
  const lastYear = Number(scenario.horizon.end.slice(0, 4));
  for (const id of ["start-year", "end-year"]) {
    byId(id).min = firstYear;
    byId(id).max = lastYear;
  }
  byId("start-year").value = firstYear;
  byId("end-year").value = lastYear;
  showPlan(scenario);
  showOperations(scenario);
  showSites(scenario);
  state.shown = {};
  for (const id of ["load-factor", "pue", "build-probability", "plan-scale"]) {
    state.shown[id] = byId(id).value;
  }
  clearError();
}

function showPlan(scenario) {
  const fieldset = byId("plan-fields");
  const editable = (scenario.deployments || [])
    .map((deployment, index) => ({ deployment, index }))
    .filter(({ deployment }) => deployment.milestones && deployment.milestones.length > 0);
  state.deploymentEdits = new Map();
  byId("plan-scale").value = "1";
  byId("accelerator").value = "";
  if (scenario.basis !== "fleet" || editable.length === 0) {
    fieldset.disabled = true;
    fillSelect(byId("deployment"), [["", "none"]]);
    byId("gpu-target").value = "";
    byId("target-date").value = "";
    byId("plan-note").textContent =
      scenario.basis === "fleet"
        ? "This scenario has no deployment milestones to edit."
        : "This scenario's load comes from data-centre sites (basis: sites), not from a GPU plan.";
    state.editedDeployment = -1;
    return;
  }
  fieldset.disabled = false;
  const total = editable.reduce((sum, { deployment }) => sum + lastMilestone(deployment).count, 0);
  byId("plan-note").textContent =
    `${editable.length} deployment${editable.length > 1 ? "s" : ""}, ` +
    `${formatCount(total)} accelerators at their last milestones.`;
  fillSelect(
    byId("deployment"),
    editable.map(({ deployment, index }) => [
      String(index),
      `${deployment.name} (${formatCount(lastMilestone(deployment).count)} by ${lastMilestone(deployment).date})`,
    ]),
  );
  const largest = editable.reduce((best, item) =>
    lastMilestone(item.deployment).count > lastMilestone(best.deployment).count ? item : best,
  );
  byId("deployment").value = String(largest.index);
  showDeployment(largest.index);
}

function showDeployment(index) {
  const edit = state.deploymentEdits.get(index);
  const milestone = lastMilestone(state.original.deployments[index]);
  byId("gpu-target").value = edit ? edit.count : milestone.count;
  byId("target-date").value = edit ? edit.date : milestone.date;
  state.editedDeployment = index;
}

// Keep what was typed for the deployment on screen before another one is shown or the plan
// is built; an entry equal to the scenario's own milestone is no edit.
function rememberDeploymentEdit() {
  const index = state.editedDeployment;
  if (index < 0) return;
  const milestone = lastMilestone(state.original.deployments[index]);
  const count = byId("gpu-target").value.trim();
  const date = byId("target-date").value;
  if (Number(count) === milestone.count && date === milestone.date) {
    state.deploymentEdits.delete(index);
  } else {
    state.deploymentEdits.set(index, { count, date });
  }
}

function showOperations(scenario) {
  for (const { name, input } of OPERATION_INPUTS) {
    const given = scenario.operations && scenario.operations[name];
    const quantity = given || PAGE_DEFAULTS.operations[name];
    byId(input).value = String(+central(quantity).toPrecision(4));
    byId(`${input}-help`).textContent =
      `Central value of a ${describe(quantity)} (${given ? "scenario" : "code default"}); ` +
      "a new value keeps the relative spread.";
  }
}

function showSites(scenario) {
  const input = byId("build-probability");
  const help = byId("build-probability-help");
  const sites = announcedSites(scenario);
  if (sites.length === 0) {
    input.disabled = true;
    input.value = "";
    help.textContent = "This scenario has no announced sites.";
    return;
  }
  input.disabled = false;
  const fallback = PAGE_DEFAULTS.build_probability_by_status.announced;
  const values = sites.map((site) => (site.build_probability ? central(site.build_probability) : fallback));
  const same = values.every((value) => value === values[0]);
  input.value = same ? String(values[0]) : "";
  input.placeholder = same ? "" : "varies by site";
  const effect =
    scenario.basis === "sites"
      ? "it scales the expected AI load"
      : "in this fleet-basis scenario it changes only the hosting check (IT capacity short of the plan), not the load";
  help.textContent = `${sites.length} announced site${sites.length > 1 ? "s" : ""}; ${effect}.`;
}

// ---------------------------------------------------------------------------------------------
// Building the request

function readNumber(inputId, label) {
  const text = byId(inputId).value.trim();
  const value = Number(text);
  if (text === "" || !Number.isFinite(value)) {
    byId(inputId).setAttribute("aria-invalid", "true");
    throw new Error(`${label}: ${text === "" ? "empty" : `"${text}"`} is not a number`);
  }
  return value;
}

const edited = (inputId) => byId(inputId).value.trim() !== state.shown[inputId];

function editedPlan(scenario, changes) {
  if (byId("plan-fields").disabled) return;
  rememberDeploymentEdit();
  for (const [index, edit] of state.deploymentEdits) {
    const deployment = scenario.deployments[index];
    const milestone = lastMilestone(deployment);
    const count = Number(edit.count);
    if (edit.count === "" || !Number.isFinite(count)) {
      byId("gpu-target").setAttribute("aria-invalid", "true");
      throw new Error(`GPU target of "${deployment.name}": "${edit.count}" is not a number`);
    }
    if (!edit.date) {
      byId("target-date").setAttribute("aria-invalid", "true");
      throw new Error(`Target date of "${deployment.name}": empty, give a date`);
    }
    milestone.count = count;
    milestone.date = edit.date;
    milestone.source = `${milestone.source ? `${milestone.source}; ` : ""}${DASHBOARD_NOTE}`;
    changes.push(`${deployment.name}: ${formatCount(count)} by ${edit.date}`);
  }
  const scale = readNumber("plan-scale", "Scale the whole plan");
  if (scale !== 1) {
    for (const deployment of scenario.deployments) {
      for (const entry of [...(deployment.milestones || []), ...(deployment.shipments || [])]) {
        entry.count = Math.round(entry.count * scale);
      }
    }
    changes.push(`plan × ${scale}`);
  }
  const accelerator = byId("accelerator").value;
  if (accelerator) {
    for (const deployment of scenario.deployments) {
      const additions = [
        ...(deployment.milestones || []).slice(1),
        ...(deployment.shipments || []),
        ...(deployment.compute_targets || []),
      ];
      for (const entry of additions) entry.mix = { [accelerator]: 1 };
    }
    changes.push(`new additions: ${accelerator}`);
  }
}

function editedOperations(scenario, changes) {
  for (const { name, input, low, high, label } of OPERATION_INPUTS) {
    if (!edited(input)) continue;
    const value = readNumber(input, label);
    const quantity = (scenario.operations && scenario.operations[name]) || PAGE_DEFAULTS.operations[name];
    scenario.operations = { ...(scenario.operations || {}), [name]: recentred(quantity, value, low, high) };
    changes.push(`${label.toLowerCase()} ${value}`);
  }
}

function editedSites(scenario, changes) {
  if (byId("build-probability").disabled || !edited("build-probability")) return;
  const value = readNumber("build-probability", "Build probability of announced sites");
  for (const site of announcedSites(scenario)) {
    site.build_probability = { dist: "fixed", value, source: DASHBOARD_NOTE };
  }
  changes.push(`announced sites built with probability ${value}`);
}

function periodBounds(scenario) {
  const startYear = readNumber("start-year", "From year");
  const endYear = readNumber("end-year", "To year");
  const bounds = {};
  if (String(startYear) !== scenario.horizon.start.slice(0, 4)) bounds.start = `${startYear}-01-01`;
  if (String(endYear) !== scenario.horizon.end.slice(0, 4)) bounds.end = `${endYear}-12-31`;
  return bounds;
}

function buildRequest() {
  const scenario = structuredClone(state.original);
  const changes = [];
  editedPlan(scenario, changes);
  editedOperations(scenario, changes);
  editedSites(scenario, changes);
  const options = {
    draws: readNumber("draws", "Draws"),
    seed: readNumber("seed", "Seed"),
    ...periodBounds(scenario),
    resolution: RESOLUTION,
    quantiles: QUANTILES,
  };
  if (changes.length === 0) return { request: { scenario_id: scenario.id, ...options }, changes };
  // A variant gets its own id, so that its CSV and provenance are not mistaken for the original.
  scenario.id = `${scenario.id}-edited`.slice(0, 64);
  scenario.title = `${scenario.title} (${DASHBOARD_NOTE})`.slice(0, 200);
  return { request: { scenario, ...options }, changes };
}

// ---------------------------------------------------------------------------------------------
// Running

async function run() {
  if (state.running) {
    state.rerun = true;
    return;
  }
  clearError();
  let built;
  try {
    built = buildRequest();
  } catch (error) {
    showError(error);
    setStatus("Not run: fix the field named below.");
    return;
  }
  const { request, changes } = built;
  state.running = true;
  byId("run").disabled = true;
  byId("results").setAttribute("aria-busy", "true");
  const name = request.scenario_id || request.scenario.id;
  setStatus(`Running projection of ${name} with ${request.draws} draws…`);
  const started = performance.now();
  try {
    const response = await api("/v1/projections", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(request),
    });
    let payload;
    let resultUrl = null;
    let cacheStatus = response.headers.get("X-Cache") || "";
    if (response.status === 202) {
      resultUrl = await waitForJob(await response.json());
      payload = await (await api(resultUrl)).json();
      cacheStatus = "job";
    } else {
      payload = await response.json();
    }
    render(payload);
    state.lastRequest = request;
    state.lastResultUrl = resultUrl;
    state.lastScenarioId = payload.scenario_id;
    byId("request-json").textContent = JSON.stringify(request, null, 2);
    byId("download-csv").disabled = false;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const what = changes.length ? ` (${changes.join("; ")})` : "";
    setStatus(
      `Projection of ${payload.scenario_id}${what} done in ${seconds} s: ` +
        `${request.draws} draws, seed ${request.seed}${cacheNote(cacheStatus)}.`,
    );
  } catch (error) {
    showError(error);
    setStatus("Projection failed; the chart and tables still show the previous result.");
  } finally {
    state.running = false;
    byId("run").disabled = false;
    byId("results").setAttribute("aria-busy", "false");
  }
  if (state.rerun) {
    state.rerun = false;
    run();
  }
}

function cacheNote(cacheStatus) {
  if (cacheStatus === "job") return ", computed as a background job";
  return cacheStatus ? `, cache ${cacheStatus}` : "";
}

function filenameOf(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  return match ? match[1] : fallback;
}

async function downloadCsv() {
  if (!state.lastRequest) return;
  clearError();
  setStatus("Preparing the CSV…");
  try {
    const response = state.lastResultUrl
      ? await api(`${state.lastResultUrl}?format=csv`, { headers: { Accept: "text/csv" } })
      : await api("/v1/projections?format=csv", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "text/csv" },
          body: JSON.stringify(state.lastRequest),
        });
    const blob = await response.blob();
    const filename = filenameOf(response, `${state.lastScenarioId || "projection"}.csv`);
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setStatus(`Downloaded ${filename} (${Math.ceil(blob.size / 1024)} KiB, the projection shown).`);
  } catch (error) {
    showError(error);
    setStatus("CSV download failed.");
  }
}

// ---------------------------------------------------------------------------------------------
// Charts (inline SVG)

function svgElement(tag, attributes, parent) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
  if (parent) parent.append(element);
  return element;
}

function niceStep(span, targetTicks) {
  const raw = span / targetTicks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= raw) * magnitude;
  return step;
}

function niceScale(low, high, targetTicks = 5) {
  if (!(high > low)) {
    const pad = Math.abs(high) * 0.1 || 1;
    return niceScale(low - pad, high + pad, targetTicks);
  }
  const step = niceStep(high - low, targetTicks);
  return { low: Math.floor(low / step) * step, high: Math.ceil(high / step) * step, step };
}

function timeTicks(localTimes) {
  const months = localTimes.map((time) => time.slice(0, 7));
  if (months.length <= 24) {
    const every = months.length <= 12 ? 1 : 3;
    return months
      .map((month, index) => ({ index, label: month }))
      .filter(({ index }) => index % every === 0);
  }
  const januaries = months
    .map((month, index) => ({ index, label: month.slice(0, 4), january: month.endsWith("-01") }))
    .filter((tick) => tick.january);
  const every = Math.ceil(januaries.length / 14);
  return januaries.filter((_, position) => position % every === 0);
}

// A fan chart: P5–P95 and P10–P90 bands and the P50 line of one series [time][quantile].
function drawFan(container, { values, quantileIndex, localTimes, divisor, unit, yLabel, xLabel, zeroBased, kind, title }) {
  const width = 860;
  const height = 300;
  const margin = { left: 78, right: 30, top: 14, bottom: 50 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const at = (row, level) => {
    const value = row[quantileIndex[level]];
    return value === null ? NaN : value / divisor;
  };
  const lows = values.map((row) => at(row, 0.05)).filter(Number.isFinite);
  const highs = values.map((row) => at(row, 0.95)).filter(Number.isFinite);
  const scale = niceScale(zeroBased ? 0 : Math.min(...lows), Math.max(...highs));
  const count = values.length;
  const x = (index) => margin.left + (count === 1 ? plotWidth / 2 : (index * plotWidth) / (count - 1));
  const y = (value) => margin.top + plotHeight * (1 - (value - scale.low) / (scale.high - scale.low));
  const digits = (String(+scale.step.toPrecision(6)).split(".")[1] || "").length;

  const titleId = `${container.id}-title`;
  const descId = `${container.id}-desc`;
  const svg = svgElement("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: `fan fan-${kind}`,
    role: "img",
    "aria-labelledby": `${titleId} ${descId}`,
  });
  svgElement("title", { id: titleId }, svg).textContent = title;
  const first = at(values[0], 0.5);
  const last = at(values[count - 1], 0.5);
  svgElement("desc", { id: descId }, svg).textContent =
    `Median ${formatNumber(first, 1)} ${unit} in ${localTimes[0].slice(0, 7)}, ` +
    `${formatNumber(last, 1)} ${unit} in ${localTimes[count - 1].slice(0, 7)}; ` +
    `P5–P95 up to ${formatNumber(Math.max(...highs), 1)} ${unit}. The tables below give the numbers.`;

  const grid = svgElement("g", { class: "grid" }, svg);
  for (let tick = scale.low; tick <= scale.high + scale.step / 1e6; tick += scale.step) {
    svgElement("line", { x1: margin.left, x2: width - margin.right, y1: y(tick), y2: y(tick) }, grid);
    const label = svgElement("text", { x: margin.left - 8, y: y(tick), class: "tick y" }, svg);
    label.textContent = formatNumber(tick, digits);
  }
  for (const { index, label } of timeTicks(localTimes)) {
    svgElement("line", { x1: x(index), x2: x(index), y1: margin.top + plotHeight, y2: margin.top + plotHeight + 5, class: "tick-mark" }, svg);
    svgElement("text", { x: x(index), y: margin.top + plotHeight + 19, class: "tick x" }, svg).textContent = label;
  }

  const band = (lowLevel, highLevel) => {
    const upper = values.map((row, index) => `${x(index).toFixed(1)},${y(at(row, highLevel)).toFixed(1)}`);
    const lower = values.map((row, index) => `${x(index).toFixed(1)},${y(at(row, lowLevel)).toFixed(1)}`).reverse();
    return `M${upper.join("L")}L${lower.join("L")}Z`;
  };
  svgElement("path", { d: band(0.05, 0.95), class: "band outer" }, svg);
  svgElement("path", { d: band(0.1, 0.9), class: "band inner" }, svg);
  const median = values.map((row, index) => `${x(index).toFixed(1)},${y(at(row, 0.5)).toFixed(1)}`);
  svgElement("path", { d: `M${median.join("L")}`, class: "median" }, svg);

  svgElement("line", { x1: margin.left, x2: width - margin.right, y1: margin.top + plotHeight, y2: margin.top + plotHeight, class: "axis" }, svg);
  svgElement("line", { x1: margin.left, x2: margin.left, y1: margin.top, y2: margin.top + plotHeight, class: "axis" }, svg);
  const yTitle = svgElement("text", {
    class: "axis-label",
    transform: `translate(16 ${margin.top + plotHeight / 2}) rotate(-90)`,
  }, svg);
  yTitle.textContent = `${yLabel} [${unit}]`;
  svgElement("text", { class: "axis-label", x: margin.left + plotWidth / 2, y: height - 6 }, svg).textContent = xLabel;
  container.replaceChildren(svg);
}

// ---------------------------------------------------------------------------------------------
// Rendering a projection

function annual(payload, name) {
  const variable = payload.variables[name];
  return variable ? variable.values : null;
}

function fillTable(table, years, columns, quantileIndex) {
  const headTop = document.createElement("tr");
  const headLevels = document.createElement("tr");
  const yearHead = document.createElement("th");
  yearHead.scope = "col";
  yearHead.rowSpan = 2;
  yearHead.textContent = "Year";
  headTop.append(yearHead);
  for (const column of columns) {
    const group = document.createElement("th");
    group.scope = "colgroup";
    group.colSpan = 3;
    group.textContent = `${column.label} [${column.unit}]`;
    headTop.append(group);
    for (const level of ["P10", "P50", "P90"]) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = level;
      cell.title = `${column.label}, ${level} over the draws [${column.unit}]`;
      headLevels.append(cell);
    }
  }
  table.tHead.replaceChildren(headTop, headLevels);
  const rows = years.map((year, yearIndex) => {
    const row = document.createElement("tr");
    const yearCell = document.createElement("th");
    yearCell.scope = "row";
    yearCell.textContent = String(year);
    row.append(yearCell);
    for (const column of columns) {
      const digits = column.digits;
      for (const level of [0.1, 0.5, 0.9]) {
        const cell = document.createElement("td");
        const value = column.values[yearIndex][quantileIndex[level]];
        cell.textContent = formatNumber(value, digits);
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

// Columns of the variables present (a scenario without a national baseline has no totals).
function tableColumns(payload, specs) {
  return specs.filter(([name]) => payload.variables[name]).map(([name, label]) => {
    const values = annual(payload, name);
    const unit = payload.variables[name].units;
    const flat = values ? values.flat().filter((value) => value !== null).map(Math.abs) : [];
    return { name, label, unit, values, digits: digitsFor(flat.length ? Math.max(...flat) : NaN) };
  });
}

function renderSummary(payload, quantileIndex) {
  const years = payload.coords.year;
  const last = years.length - 1;
  const pick = (name, level) => {
    const values = annual(payload, name);
    return values ? values[last][quantileIndex[level]] : null;
  };
  const triple = (name, digits, unit) =>
    `${formatNumber(pick(name, 0.5), digits)} ${unit} (P10–P90 ${formatNumber(pick(name, 0.1), digits)}–${formatNumber(pick(name, 0.9), digits)})`;
  const parts = [`In ${years[last]}, AI data centres use ${triple("ai_energy_twh", 2, "TWh")}`];
  if (payload.model_version !== "none" && annual(payload, "ai_share_of_energy_pct")) {
    parts.push(`${triple("ai_share_of_energy_pct", 2, "%")} of national electricity`);
    parts.push(
      `draw ${triple("ai_at_national_peak_gw", 2, "GW")} in the national peak hour and move the ` +
        `national peak by ${triple("peak_change_gw", 2, "GW")}`,
    );
  }
  let text = `${parts.join("; ")}.`;
  const unhosted = payload.variables.unhosted_it_mw;
  if (unhosted) {
    const medians = unhosted.values.map((row) => row[quantileIndex[0.5]]).filter((value) => value !== null);
    const shortfall = medians.length ? Math.max(...medians) : 0;
    if (shortfall > 0) {
      text += ` Hosting check: the plan needs up to ${formatCount(shortfall)} MW (P50) more IT capacity than the scenario's data centres provide.`;
    }
  }
  text += ` Baseline model: ${payload.model_version}.`;
  byId("summary").textContent = text;
}

function render(payload) {
  const levels = payload.coords.quantile;
  const quantileIndex = {};
  for (const level of QUANTILES) {
    quantileIndex[level] = levels.findIndex((value) => Math.abs(value - level) < 1e-9);
  }
  const localTimes = payload.coords.local_time;
  const timezone = payload.attrs.timezone || "local";
  const xLabel = `Month (${timezone}); monthly mean of hourly load`;
  const ai = payload.variables.ai_facility_mw;
  const aiMax = Math.max(...ai.values.map((row) => row[quantileIndex[0.95]] ?? 0));
  const aiInGw = aiMax >= 10_000;
  const aiUnit = aiInGw ? "GW" : "MW";
  byId("ai-caption").textContent =
    `AI data-centre load at the grid [${aiUnit}], monthly mean: P5–P95 and P10–P90 bands, P50 line`;
  drawFan(byId("chart-ai"), {
    values: ai.values,
    quantileIndex,
    localTimes,
    divisor: aiInGw ? 1000 : 1,
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
      "Total national load, baseline + AI [GW], monthly mean: P5–P95 and P10–P90 bands, P50 line";
    drawFan(byId("chart-total"), {
      values: total.values,
      quantileIndex,
      localTimes,
      divisor: 1000,
      unit: "GW",
      yLabel: "National load",
      xLabel,
      zeroBased: false,
      kind: "total",
      title: `Total national load of ${payload.scenario_id} [GW], monthly mean`,
    });
  } else {
    byId("total-caption").textContent = "Total national load";
    const note = document.createElement("p");
    note.className = "hint";
    note.textContent =
      `No national baseline model serves country ${payload.attrs.country}: ` +
      "this projection has the AI load only.";
    byId("chart-total").replaceChildren(note);
  }
  const years = payload.coords.year;
  fillTable(
    byId("energy-table"),
    years,
    tableColumns(payload, [
      ["ai_energy_twh", "AI energy"],
      ["total_energy_twh", "National energy"],
      ["ai_share_of_energy_pct", "AI share of energy"],
    ]),
    quantileIndex,
  );
  fillTable(
    byId("peak-table"),
    years,
    tableColumns(payload, [
      ["ai_peak_gw", "AI peak"],
      ["total_peak_gw", "National peak"],
      ["ai_at_national_peak_gw", "AI load at the national peak hour"],
      ["peak_change_gw", "Change of the national peak"],
    ]),
    quantileIndex,
  );
  renderSummary(payload, quantileIndex);
  byId("results-heading").textContent = `Projection: ${payload.scenario_id}`;
}

// ---------------------------------------------------------------------------------------------
// Start-up

function requestedScenario() {
  const requested = new URLSearchParams(location.hash.slice(1)).get("scenario");
  return state.scenarios.some((scenario) => scenario.id === requested) ? requested : null;
}

async function switchScenario(scenarioId) {
  clearError();
  setStatus(`Loading scenario ${scenarioId}…`);
  try {
    if (await loadScenario(scenarioId)) await run();
  } catch (error) {
    showError(error);
    setStatus("Could not load the scenario.");
  }
}

function wireEvents() {
  byId("assumptions").addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  byId("scenario").addEventListener("change", (event) => {
    history.replaceState(null, "", `#scenario=${encodeURIComponent(event.target.value)}`);
    switchScenario(event.target.value);
  });
  // A link or bookmark to #scenario=ID on the open page picks that scenario too.
  window.addEventListener("hashchange", () => {
    const requested = requestedScenario();
    if (requested && requested !== byId("scenario").value) switchScenario(requested);
  });
  byId("deployment").addEventListener("change", (event) => {
    rememberDeploymentEdit();
    showDeployment(Number(event.target.value));
  });
  byId("reset").addEventListener("click", () => {
    if (state.original) showScenario();
    setStatus("Inputs reset to the scenario; run the projection to see it.");
  });
  byId("download-csv").addEventListener("click", downloadCsv);
}

async function start() {
  wireEvents();
  setStatus("Loading scenarios…");
  try {
    const [scenarios, accelerators] = await Promise.all([
      api("/v1/scenarios").then((response) => response.json()),
      api("/v1/accelerators").then((response) => response.json()),
    ]);
    state.scenarios = scenarios;
    state.accelerators = accelerators;
  } catch (error) {
    showError(error);
    setStatus("The page could not load its scenarios.");
    return;
  }
  fillSelect(
    byId("scenario"),
    state.scenarios.map((scenario) => [scenario.id, `${scenario.id}: ${scenario.title}`]),
  );
  fillSelect(byId("accelerator"), [
    ["", "As in the scenario"],
    ...state.accelerators.map((item) => [
      item.accelerator_id,
      `${item.vendor} ${item.name} (${formatCount(item.system_w_per_accelerator)} W per accelerator)`,
    ]),
  ]);
  const ids = state.scenarios.map((scenario) => scenario.id);
  const initial = [requestedScenario(), DEFAULT_SCENARIO, ids[0]].find((id) => id && ids.includes(id));
  if (!initial) {
    setStatus("The service has no scenarios.");
    return;
  }
  await switchScenario(initial);
}

start();
