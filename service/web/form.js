// The assumptions form: shows a scenario's inputs as the API states them (distribution in
// effect, central value, allowed range, request limits) and turns what the user typed into
// the body of POST /v1/projections.

import { formatCount, formatShort } from "./format.js";

const DASHBOARD_NOTE = "edited on the dashboard";

// The provenance of an edited value: what was set and what it replaced, never the scenario's own
// source, which describes the value replaced.
const editSource = (what, was) => `dashboard edit: ${what} (was ${was})`;

// A file-name fragment: "LG U+ Paju" -> "lg-u-paju".
const slug = (text) =>
  String(text)
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "");

// Operations the page re-centres: the scenario field and the input showing it.
const OPERATION_INPUTS = [
  { name: "load_factor", input: "load-factor", label: "Load factor" },
  { name: "pue", input: "pue", label: "PUE" },
];
const TRACKED_INPUTS = [
  "load-factor",
  "pue",
  "build-probability",
  "plan-scale",
  "flex-share",
  "flex-hours",
  "flex-mode",
  "flex-threshold",
  "flex-from-year",
];

// Which input an API error message is about, so it can be marked invalid.
const ERROR_FIELDS = [
  [/load_factor/, "load-factor"],
  [/\bpue\b/, "pue"],
  [/build_probability/, "build-probability"],
  [/limit_mw|\bgrid\b/, "grid-limit"],
  [/threshold_mw/, "flex-threshold"],
  [/from_year/, "flex-from-year"],
  [/hours_per_year/, "flex-hours"],
  [/flexibility|\bshare\b/, "flex-share"],
  [/milestones|deployments/, "gpu-target"],
  [/weather_year/, "weather-year"],
  [/\bdraws\b/, "draws"],
  [/\bseed\b/, "seed"],
  // "end = 2060-12-31: ... for start = 2024-01-01" is about the end, though it names the start.
  [/^end = /, "end-year"],
  [/\bstart\b|period/, "start-year"],
  [/\bend\b/, "end-year"],
];

const form = {
  original: null, // the shipped scenario, as GET /v1/scenarios/{id} gave it
  inputs: new Map(), // path -> input, as GET /v1/scenarios/{id}/inputs gave it
  shown: {}, // input values shown for the shipped scenario, to tell edits apart
  deploymentEdits: new Map(), // deployment index -> {count, date} typed by the user
  editedDeployment: -1,
  gridEdits: new Map(), // region -> connection limit typed by the user ("" removes the limit)
  editedRegion: null,
  regions: [], // the scenario's regions, as GET /v1/scenarios says
  limits: {}, // request and scenario-format limits, as GET /v1/scenarios/{id}/inputs gave them
  hosting: "", // how the scenario's AI load relates to its sites, as GET /v1/scenarios says
  help: new Map(), // input id -> its hint for the scenario's own value, to return to
};

// Inputs whose distribution a typed value re-centres: the hint under each says what will be
// sent once the value differs from the scenario's.
const RECENTRED_INPUTS = {
  "load-factor": { path: () => "operations.load_factor", help: "load-factor-help", unit: "" },
  pue: { path: () => "operations.pue", help: "pue-help", unit: "" },
  "grid-limit": {
    path: () => `grid.${form.editedRegion}.limit_mw`,
    help: "grid-limit-help",
    unit: " MW",
  },
  "flex-share": { path: () => "flexibility.share", help: "flex-help", unit: "" },
};

const byId = (id) => document.getElementById(id);

export function fillSelect(select, options) {
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Errors

// A value the page refuses before sending, with the id of the input it is about.
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

// The input an API error message is about: the field its location names ("scenario.operations.
// load_factor = 0.0: ..."), else the first the whole message names; null when none is.
export function fieldOf(message) {
  const location = /^[^\s:=]+/.exec(message)?.[0] ?? "";
  const match =
    ERROR_FIELDS.find(([pattern]) => pattern.test(location)) ??
    ERROR_FIELDS.find(([pattern]) => pattern.test(message));
  return match ? match[1] : null;
}

const errorId = (inputId) => `${inputId}-error`;

function describedBy(input, id, present) {
  const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
  if (present) ids.unshift(id); // the error read first, before the field's hints
  if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
  else input.removeAttribute("aria-describedby");
}

// One field back to valid: its mark, its message and the message's link from the field.
export function clearInvalidField(inputId) {
  const input = byId(inputId);
  input.removeAttribute("aria-invalid");
  describedBy(input, errorId(inputId), false);
  byId(errorId(inputId))?.remove();
}

export function clearInvalid() {
  for (const input of document.querySelectorAll("[aria-invalid='true']")) {
    clearInvalidField(input.id);
  }
  for (const note of document.querySelectorAll(".field-error")) note.remove();
}

// Mark an input invalid and put `message` right under it (the summary by Run was a screen away
// from a field at the top of the form); the input names the message in aria-describedby.
export function markInvalid(inputId, message) {
  const input = byId(inputId);
  input.setAttribute("aria-invalid", "true");
  let note = byId(errorId(inputId));
  if (!note) {
    note = document.createElement("p");
    note.id = errorId(inputId);
    note.className = "field-error";
    input.after(note);
  }
  note.textContent = message;
  describedBy(input, note.id, true);
}

// The label of an input, as the summary's link to it names it.
export const labelOf = (inputId) =>
  document.querySelector(`label[for="${inputId}"]`)?.textContent.trim() ?? inputId;

// Take the user to an input: at 1366 × 768 it can be a screen above the Run button.
export function focusField(input) {
  input.scrollIntoView({ block: "center" });
  input.focus({ preventScroll: true });
}

// Take the user to the first field marked invalid, where focus would otherwise stay on Run.
export function focusInvalid() {
  const field = byId("assumptions").querySelector("[aria-invalid='true']");
  if (field) focusField(field);
}

// ---------------------------------------------------------------------------------------------
// Showing a scenario

function describe(quantity) {
  if (quantity.trend) {
    const points = quantity.trend.map(({ date, ...point }) => `${date}: ${describe(point)}`);
    return `trend (${points.join("; ")})`;
  }
  const { dist, source, ...parameters } = quantity;
  if (dist === "fixed") return `fixed value ${formatShort(quantity.value)}`;
  const text = Object.entries(parameters).map(([key, value]) => `${key} ${formatShort(value)}`);
  return `${dist} distribution (${text.join(", ")})`;
}

// The trend point a field shows and edits: the first dated in or after the scenario's first
// year, else the last. The first point was shown, and us-lbnl-2025's PUE read 1.55, its 2018
// value, where 2024 has 1.45, so that typing 1.4 sent 1.31 for 2024.
function anchorIndex(item) {
  const firstYear = Number(form.original.horizon.start.slice(0, 4));
  const { trend } = item.quantity;
  const index = trend.findIndex(({ date }) => Number(date.slice(0, 4)) >= firstYear);
  return index < 0 ? trend.length - 1 : index;
}

// The value a field shows for an input: its central value; of a trend, its anchor point's.
const fieldValue = (item) =>
  item.quantity.trend ? item.point_centrals[anchorIndex(item)] : item.central;

// "Central value of a triangular distribution (...)", or "A fixed value 0.3" (no spread); of a
// trend, which point the field holds and that a new value scales them all.
function centralOf(item) {
  const { quantity } = item;
  if (quantity.trend) {
    const anchor = quantity.trend[anchorIndex(item)].date;
    return (
      `A ${describe(quantity)}; the field holds its ${anchor} point's central value, and a new ` +
      "value scales every point of the trend by the same ratio"
    );
  }
  return quantity.dist === "fixed"
    ? `A ${describe(quantity)}`
    : `Central value of a ${describe(quantity)}`;
}

// A scaled trend's edit in words, point by point: "× 0.9655: 2024-07-01 1.45 → 1.4, ...".
function describeScaledTrend(item, value, moved, unit) {
  const ratio = value / fieldValue(item);
  const firstYear = Number(form.original.horizon.start.slice(0, 4));
  const steps = item.quantity.trend.map(({ date }, index) => {
    const before = Number(date.slice(0, 4)) < firstYear ? " (before the horizon)" : "";
    const was = formatShort(item.point_centrals[index]);
    return `${date} ${was} → ${formatShort(item.point_centrals[index] * ratio)}${unit}${before}`;
  });
  return (
    `the whole trend scaled × ${formatShort(ratio)} (central values ${steps.join(", ")}), ` +
    `sent as ${describe({ trend: moved })}${unit}`
  );
}

// Where an input's value comes from, as GET /v1/scenarios/{id}/inputs states it (facts.csv rows,
// a report, an assumption): its first clause visible, the whole on opening. The form said only
// "(scenario)" or "(code default)". `items` are inputs of the API's list; none hides it.
function showSource(inputId, items) {
  const details = byId(`${inputId}-source`);
  const sources = [];
  for (const item of items) {
    const { quantity } = item;
    const points = quantity.trend
      ? quantity.trend.map(({ date, source }) => (source ? `${date}: ${source}` : ""))
      : [quantity.source || ""];
    for (const text of points) if (text && !sources.includes(text)) sources.push(text);
  }
  details.hidden = sources.length === 0;
  details.open = false;
  if (details.hidden) return;
  const origin = items.every((item) => item.origin === "default") ? "code default" : "scenario";
  const whole = sources.join(" | ");
  const first = whole.split(/;|\|/)[0].trim();
  const short = first.length > 90 ? `${first.slice(0, 90)}…` : first;
  details.querySelector("summary").textContent = `Source (${origin}): ${short}`;
  details.querySelector("p").textContent = whole;
}

function describeRange(allowed) {
  if (!allowed) return "";
  return ` Allowed: ${allowed.low_open ? "(" : "["}${allowed.low}, ${allowed.high}].`;
}

function setBounds(input, low, high) {
  input.min = String(low);
  input.max = String(high);
}

const lastMilestone = (deployment) => deployment.milestones[deployment.milestones.length - 1];

const announcedSites = (scenario) =>
  (scenario.sites || [])
    .map((site, index) => ({ site, input: form.inputs.get(`sites[${index}].build_probability`) }))
    .filter(({ site }) => site.status === "announced");

// The id of the scenario the form holds (the one Run projects), null before one has loaded.
export const heldScenarioId = () => (form.original ? form.original.id : null);

// Show a scenario and its inputs (GET /v1/scenarios/{id} and .../inputs); `summary` is its
// entry of GET /v1/scenarios.
export function showScenario(scenario, inputs, summary) {
  form.original = scenario;
  form.inputs = new Map(inputs.inputs.map((input) => [input.path, input]));
  form.hosting = summary ? summary.hosting : "";
  form.regions = summary ? summary.regions : [];
  form.limits = inputs.limits;
  showLimits(inputs.limits);
  showWeatherYears(inputs.weather_years);
  byId("scenario").value = scenario.id;
  byId("scenario-description").textContent =
    `${scenario.description} Hosting: ${form.hosting}; country ${scenario.country}; ` +
    `horizon ${scenario.horizon.start} to ${scenario.horizon.end}` +
    (summary && summary.regions.length > 1 ? `; regions ${summary.regions.join(", ")}.` : ".");
  resetToScenario();
}

// Back to the scenario's own values (the Reset button, and after picking a scenario).
export function resetToScenario() {
  const scenario = form.original;
  if (!scenario) return;
  const firstYear = Number(scenario.horizon.start.slice(0, 4));
  const lastYear = Number(scenario.horizon.end.slice(0, 4));
  showPeriodLimits(firstYear, lastYear);
  byId("start-year").value = firstYear;
  byId("end-year").value = lastYear;
  byId("weather-year").value = "";
  showPlan(scenario);
  showOperations();
  showSites(scenario);
  showGrid(scenario);
  showFlexibility(scenario);
  form.shown = Object.fromEntries(TRACKED_INPUTS.map((id) => [id, byId(id).value]));
  clearInvalid();
}

// The years a period may take, as the API states them: it may run outside the scenario's
// horizon (its default), and the answer then says what those years hold. The To year's bounds
// move with the From year (periodBounds).
function showPeriodLimits(firstYear, lastYear) {
  const { "start.year": start, "end.year": end, "period.years": years } = form.limits;
  setBounds(byId("start-year"), start.minimum, start.maximum);
  setBounds(byId("end-year"), end.minimum, end.maximum);
  byId("period-help").textContent =
    `The scenario's horizon is ${firstYear}–${lastYear}. A period may run from ` +
    `${start.minimum} to ${end.maximum}, at most ${years.maximum} calendar years; ` +
    "outside the horizon the scenario states nothing new, and the result says what those " +
    "years hold.";
}

// Draws, seed and milestone counts: bounds from the API; the seed starts at the API's default,
// the draws at the page's own 200, which answers in a few seconds.
function showLimits(limits) {
  setBounds(byId("draws"), limits.draws.minimum, limits.draws.maximum);
  setBounds(byId("seed"), limits.seed.minimum, limits.seed.maximum);
  const count = limits["deployments.milestones.count"];
  setBounds(byId("gpu-target"), count.minimum, count.maximum);
  if (byId("seed").value === "") byId("seed").value = String(limits.seed.default);
  byId("draws-help").textContent =
    `${formatCount(limits.draws.minimum)}–${formatCount(limits.draws.maximum)} draws on this ` +
    `service (API default ${formatCount(limits.draws.default)}); fewer draws answer faster, ` +
    "but their P10 and P90 (and a site's P90 month) move from run to run: use 1,000 for " +
    "figures to quote, as the command line does.";
}

// The design weather years the API offers for the scenario (its location's observed years):
// every draw on one year's temperatures, or each draw on its own (the default).
function showWeatherYears(years) {
  const select = byId("weather-year");
  fillSelect(select, [
    ["", "all observed years (each draw its own)"],
    ...years.map((year) => [String(year), `${year} only`]),
  ]);
  select.disabled = years.length === 0;
  byId("weather-year-help").textContent = years.length
    ? `A design weather year runs every draw on that year's temperatures (${years[0]}–` +
      `${years.at(-1)} observed): the bands then hold every other input's spread, not the ` +
      "weather's."
    : "This scenario has no observed weather years on this service (no temperature response, " +
      "or no temperature files): each draw runs on the weather the service has.";
}

function showPlan(scenario) {
  const fieldset = byId("plan-fields");
  const editable = (scenario.deployments || [])
    .map((deployment, index) => ({ deployment, index }))
    .filter(({ deployment }) => deployment.milestones && deployment.milestones.length > 0);
  form.deploymentEdits = new Map();
  byId("plan-scale").value = "1";
  byId("accelerator").value = "";
  if (editable.length === 0) {
    fieldset.disabled = true;
    fillSelect(byId("deployment"), [["", "none"]]);
    byId("gpu-target").value = "";
    byId("target-date").value = "";
    byId("plan-note").textContent =
      form.hosting === "sites"
        ? "This scenario's load comes from its data-centre sites' tenants, not from a GPU plan."
        : "This scenario has no deployment milestones to edit.";
    form.editedDeployment = -1;
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

// Show another deployment's target, keeping what was typed for the one shown so far.
export function selectDeployment(index) {
  rememberDeploymentEdit();
  showDeployment(index);
}

function showDeployment(index) {
  const edit = form.deploymentEdits.get(index);
  const milestone = lastMilestone(form.original.deployments[index]);
  byId("gpu-target").value = edit ? edit.count : milestone.count;
  byId("target-date").value = edit ? edit.date : milestone.date;
  form.editedDeployment = index;
}

// An entry equal to the scenario's own milestone is no edit.
function rememberDeploymentEdit() {
  const index = form.editedDeployment;
  if (index < 0) return;
  const milestone = lastMilestone(form.original.deployments[index]);
  const count = byId("gpu-target").value.trim();
  const date = byId("target-date").value;
  if (Number(count) === milestone.count && date === milestone.date) {
    form.deploymentEdits.delete(index);
  } else {
    form.deploymentEdits.set(index, { count, date });
  }
}

function showOperations() {
  for (const { name, input } of OPERATION_INPUTS) {
    const item = form.inputs.get(`operations.${name}`);
    const { origin, allowed } = item;
    byId(input).value = formatShort(fieldValue(item));
    if (allowed) setBounds(byId(input), allowed.low, allowed.high);
    byId(`${input}-help`).textContent =
      `${centralOf(item)} (${origin === "scenario" ? "scenario" : "code default"}); ` +
      `a new value keeps the relative spread.${describeRange(allowed)}`;
    form.help.set(input, byId(`${input}-help`).textContent);
    showSource(input, [item]);
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
    showSource("build-probability", []);
    return;
  }
  input.disabled = false;
  const { allowed } = sites[0].input;
  if (allowed) setBounds(input, allowed.low, allowed.high);
  const values = sites.map(({ input: site }) => site.central);
  const same = values.every((value) => value === values[0]);
  input.value = same ? formatShort(values[0]) : "";
  input.placeholder = same ? "" : "varies by site";
  const effect = {
    sites: "it scales the expected AI load",
    hosted: "it changes how many halls get built, so how many accelerators find room and draw power",
    unconstrained: "with unconstrained hosting it changes only the capacity reported, not the load",
  }[form.hosting];
  help.textContent = `${sites.length} announced site${sites.length > 1 ? "s" : ""}; ${effect}.`;
  showSource("build-probability", sites.map(({ input: site }) => site));
}

// Connection limits: one region at a time, like the deployments; what was typed for the others
// is kept until the request is built.
function showGrid(scenario) {
  const grid = scenario.grid || {};
  const regions = [...new Set([...Object.keys(grid), ...form.regions])];
  form.gridEdits = new Map();
  fillSelect(
    byId("grid-region"),
    regions.map((region) => [region, grid[region] ? region : `${region} (no limit)`]),
  );
  const first = regions.find((region) => grid[region]) ?? regions[0];
  byId("grid-fields").disabled = first === undefined;
  form.editedRegion = first ?? null;
  if (first !== undefined) {
    byId("grid-region").value = first;
    showRegion(first);
  }
}

export function selectRegion(region) {
  rememberRegionEdit();
  showRegion(region);
}

const shownLimit = (region) => {
  const item = form.inputs.get(`grid.${region}.limit_mw`);
  return item ? formatShort(fieldValue(item)) : "";
};

function showRegion(region) {
  const item = form.inputs.get(`grid.${region}.limit_mw`);
  const input = byId("grid-limit");
  const edit = form.gridEdits.get(region);
  input.value = edit ?? shownLimit(region);
  input.placeholder = item ? "" : "no limit";
  const allowed = item ? item.allowed : null;
  if (allowed) setBounds(input, allowed.low, allowed.high);
  form.editedRegion = region;
  const help = byId("grid-limit-help");
  if (!item) {
    help.textContent =
      `No connection limit in ${region}: its sites energise on their own schedules. A limit ` +
      "[MW] caps the grid capacity new sites can take, in queue order (under construction, " +
      "announced, speculative; each by commissioning date).";
    form.help.set("grid-limit", help.textContent);
    showSource("grid-limit", []);
    showEdit("grid-limit");
    return;
  }
  const reinforcements = (form.original.grid[region].reinforcements || []).map(
    (step) => `${describe(step.mw)} MW from ${step.date}`,
  );
  help.textContent =
    `${centralOf(item)} [MW] of new large-load connections; a new ` +
    "value keeps the relative spread, empty removes the limit." +
    (reinforcements.length ? ` Reinforcements add ${reinforcements.join("; ")}.` : "") +
    " Sites that are not yet operating energise within it in queue order." +
    describeRange(item.allowed);
  form.help.set("grid-limit", help.textContent);
  showSource("grid-limit", [item]);
  showEdit("grid-limit");
}

function rememberRegionEdit() {
  const region = form.editedRegion;
  if (region === null) return;
  const text = byId("grid-limit").value.trim();
  if (text === shownLimit(region)) form.gridEdits.delete(region);
  else form.gridEdits.set(region, text);
}

function showFlexibility(scenario) {
  const item = form.inputs.get("flexibility.share");
  const flexibility = scenario.flexibility;
  const share = byId("flex-share");
  const hours = form.limits["flexibility.hours_per_year"];
  setBounds(byId("flex-hours"), hours.minimum, hours.maximum);
  share.value = item ? formatShort(fieldValue(item)) : "";
  share.placeholder = item ? "" : "none";
  // Checked here whether or not the scenario has a share (1.5 was sent, and refused, once).
  const { minimum, maximum } = form.limits["flexibility.share"];
  const allowed = (item && item.allowed) || { low: minimum, high: maximum, low_open: false };
  setBounds(share, allowed.low, allowed.high);
  byId("flex-hours").value = flexibility ? String(flexibility.hours_per_year) : "";
  byId("flex-mode").value = flexibility ? flexibility.mode : "curtail";
  // Empty: no threshold (any load), no first year (every year). The threshold's bounds are
  // the API's to check (its 422 is shown under the field); the first year's come from it.
  const fromYear = form.limits["flexibility.from_year"];
  setBounds(byId("flex-from-year"), fromYear.minimum, fromYear.maximum);
  const shown = (value) => (value != null ? String(value) : "");
  byId("flex-threshold").value = shown(flexibility?.threshold_mw);
  byId("flex-from-year").value = shown(flexibility?.from_year);
  const help = byId("flex-help");
  if (!flexibility) {
    help.textContent =
      "This scenario declares no flexibility. A share and stress hours add it: in each draw " +
      "and year, that share of the AI load gives way in that many hours of highest grid " +
      `load (${hours.minimum}–${hours.maximum} h), only those above the grid load given, ` +
      `from the first year given (${fromYear.minimum}–${fromYear.maximum}).` +
      describeRange(allowed);
    form.help.set("flex-share", help.textContent);
    showSource("flex-share", []);
    return;
  }
  const above = flexibility.threshold_mw
    ? ` above ${formatCount(flexibility.threshold_mw)} MW`
    : "";
  // A programme that starts later: without its first year the hint said every year gave way.
  const from = flexibility.from_year
    ? ` from ${flexibility.from_year} on (before it nothing gives way)`
    : "";
  help.textContent =
    `${centralOf(item)}; in each draw and year${from} the ` +
    `${flexibility.hours_per_year} hours of highest grid load${above} are stress hours. ` +
    "Compare the peak change with and without flexibility in the peak table; empty share " +
    "removes it, an empty grid load calls it at any load, an empty first year in every " +
    `year.${describeRange(item.allowed)}`;
  form.help.set("flex-share", help.textContent);
  showSource("flex-share", [item]);
}

// Whether the page still refuses the value of a field marked invalid, as Run would: the
// request's own checks name the field, or its number is outside its bounds (a field those
// checks have not reached, since they stop at the first refusal). A value the API refused is
// the API's to judge again: once edited, it is no longer marked.
export function stillRefused(inputId) {
  try {
    buildRequest({});
  } catch (error) {
    if (error instanceof FieldError && error.field === inputId) return true;
  }
  const input = byId(inputId);
  if (!["numeric", "decimal"].includes(input.inputMode)) return false;
  try {
    numberFrom(input.value.trim(), labelOf(inputId), input);
  } catch {
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Building the request

// The number typed into a text input (a number input drops letters, so that "abc" read as
// empty, and took "245,5" for 2455), within the input's min..max: the allowed range the API
// states, or the scenario's years, checked before anything is sent.
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function numberFrom(text, label, input, bounds = input) {
  const refuse = (why) => {
    throw new FieldError(input.id, `${label}: ${why}`);
  };
  if (text === "") refuse("empty, give a number");
  if (!NUMBER.test(text)) {
    const comma = text.includes(",") ? " (write decimals with a point, e.g. 0.8)" : "";
    refuse(`"${text}" is not a number${comma}`);
  }
  const value = Number(text);
  const low = bounds.min === "" ? -Infinity : Number(bounds.min);
  const high = bounds.max === "" ? Infinity : Number(bounds.max);
  if (value < low || value > high) {
    // One side may be open: "-5 is outside the allowed 0–" named no upper bound.
    let allowed = `${bounds.min}–${bounds.max}`;
    if (bounds.max === "") allowed = `${bounds.min} or more`;
    else if (bounds.min === "") allowed = `${bounds.max} or less`;
    refuse(`${text} is outside the allowed ${allowed}`);
  }
  return value;
}

const readNumber = (inputId, label) => numberFrom(byId(inputId).value.trim(), label, byId(inputId));

const edited = (inputId) => byId(inputId).value.trim() !== form.shown[inputId];

// The same distribution moved to a new central value. Parameters in the input's own unit
// (value, mode, median, low, high) scale with it and shape parameters (sigma, alpha, beta)
// stay, so "load factor 0.8" keeps the scenario's relative spread; the bounds are clipped to
// the allowed range and never cross the new value.
// `what` names the edit for the new source ("connection limit of capital set to 100 MW").
function recentred(item, value, what) {
  const { quantity, central, point_centrals: pointCentrals, allowed } = item;
  if (quantity.trend) {
    // A trend moves as a whole: every point by the ratio of the new value to the shown one's.
    const anchor = fieldValue(item);
    const ratio = anchor > 0 ? value / anchor : 1;
    return quantity.trend.map(({ date, ...point }, index) => {
      const pointCentral = pointCentrals[index];
      const moved = +(pointCentral * ratio).toPrecision(6);
      const item = { quantity: point, central: pointCentral, allowed };
      return { date, ...recentred(item, moved, `${what}, the trend scaled with it`) };
    });
  }
  const source = editSource(what, describe(quantity));
  const ratio = central > 0 ? value / central : 1;
  const clip = (bound) =>
    +(allowed ? Math.min(Math.max(bound, allowed.low), allowed.high) : bound).toPrecision(6);
  const moved = { ...quantity, source };
  for (const key of ["value", "mode", "median"]) if (key in moved) moved[key] = value;
  if ("low" in moved) moved.low = Math.min(clip(quantity.low * ratio), value);
  if ("high" in moved) moved.high = Math.max(clip(quantity.high * ratio), value);
  return "low" in moved && !(moved.low < moved.high) ? { dist: "fixed", value, source } : moved;
}

// The hint under a re-centred input: once the typed value differs from the scenario's, what the
// request will carry in place of the scenario's distribution (the hint described only that).
export function showEdit(inputId) {
  const { path, help, unit } = RECENTRED_INPUTS[inputId];
  const item = form.inputs.get(path());
  const text = byId(inputId).value.trim();
  const shown = inputId === "grid-limit" ? shownLimit(form.editedRegion) : form.shown[inputId];
  let edit = null;
  if (text === shown || (text !== "" && !NUMBER.test(text))) {
    edit = null; // unchanged, or not a number: the Run button says what is wrong with it
  } else if (text === "") {
    edit = item ? `empty: none (the scenario's: ${describe(item.quantity)}${unit})` : null;
  } else if (item) {
    const moved = recentred(item, Number(text), "");
    edit = Array.isArray(moved)
      ? `${text}${unit}, ${describeScaledTrend(item, Number(text), moved, unit)}`
      : `${text}${unit}, sent as ${describe(moved)}${unit} in place of the scenario's ` +
        `${describe(item.quantity)}${unit}`;
  } else {
    edit = `${text}${unit}, sent as a fixed value (the scenario has none)`;
  }
  byId(help).textContent = edit
    ? `Edited: ${edit}; run the projection to apply it.${describeRange(item && item.allowed)}`
    : form.help.get(inputId) || "";
}

function editedPlan(scenario, changes, tags) {
  if (byId("plan-fields").disabled) return;
  rememberDeploymentEdit();
  for (const [index, edit] of form.deploymentEdits) {
    const deployment = scenario.deployments[index];
    const milestone = lastMilestone(deployment);
    // The API's bounds of a milestone count (showLimits): the upper one was left out.
    const count = numberFrom(String(edit.count).trim(), `GPU target of "${deployment.name}"`,
      byId("gpu-target"));
    if (!edit.date) {
      throw new FieldError("target-date", `Target date of "${deployment.name}": empty, give a date`);
    }
    const was = `${formatCount(milestone.count)} by ${milestone.date}`;
    milestone.count = count;
    milestone.date = edit.date;
    milestone.source = editSource(`target set to ${formatCount(count)} by ${edit.date}`, was);
    changes.push(`${deployment.name}: ${formatCount(count)} by ${edit.date}`);
    tags.push(`${slug(deployment.name)}-${count}-by-${edit.date}`);
  }
  const scale = readNumber("plan-scale", "Scale the whole plan");
  if (scale !== 1) {
    for (const deployment of scenario.deployments) {
      for (const entry of [...(deployment.milestones || []), ...(deployment.shipments || [])]) {
        const was = `${formatCount(entry.count)}${entry.source ? `: ${entry.source}` : ""}`;
        entry.count = Math.round(entry.count * scale);
        entry.source = editSource(`count × ${scale} (whole plan scaled)`, was);
      }
    }
    changes.push(`plan × ${scale}`);
    tags.push(`plan-x${scale}`);
  }
  const accelerator = byId("accelerator").value;
  if (accelerator) {
    for (const deployment of scenario.deployments) {
      const additions = [
        ...(deployment.milestones || []).slice(1),
        ...(deployment.shipments || []),
        ...(deployment.compute_targets || []),
      ];
      for (const entry of additions) {
        // The source stays for the count and date it gives; it no longer gives the mix.
        const count = entry.source ? `; count and date: ${entry.source}` : "";
        entry.source = `dashboard edit: mix set to ${accelerator}${count}`;
        entry.mix = { [accelerator]: 1 };
      }
    }
    changes.push(`new additions: ${accelerator}`);
    tags.push(`new-${slug(accelerator)}`);
  }
}

function editedOperations(scenario, changes, tags) {
  for (const { name, input, label } of OPERATION_INPUTS) {
    if (!edited(input)) continue;
    const value = readNumber(input, label);
    const what = `${label.toLowerCase()} set to ${value}`;
    const quantity = recentred(form.inputs.get(`operations.${name}`), value, what);
    scenario.operations = { ...(scenario.operations || {}), [name]: quantity };
    changes.push(`${label.toLowerCase()} ${value}`);
    tags.push(`${slug(label)}-${value}`);
  }
}

function editedSites(scenario, changes, tags) {
  if (byId("build-probability").disabled || !edited("build-probability")) return;
  const value = readNumber("build-probability", "Build probability of announced sites");
  for (const { site, input } of announcedSites(scenario)) {
    const was = `${describe(input.quantity)}${input.origin === "default" ? ", the default" : ""}`;
    const source = editSource(`build probability of announced sites set to ${value}`, was);
    site.build_probability = { dist: "fixed", value, source };
  }
  changes.push(`announced sites built with probability ${value}`);
  tags.push(`build-probability-${value}`);
}

function editedGrid(scenario, changes, tags) {
  if (byId("grid-fields").disabled) return;
  rememberRegionEdit();
  for (const [region, text] of form.gridEdits) {
    const grid = { ...(scenario.grid || {}) };
    const item = form.inputs.get(`grid.${region}.limit_mw`);
    if (text === "") {
      delete grid[region];
      changes.push(`${region}: no connection limit`);
      tags.push(`${slug(region)}-no-limit`);
    } else {
      const allowed = item && item.allowed;
      const { minimum, maximum } = form.limits["grid.limit_mw"];
      const bounds = allowed
        ? { min: String(allowed.low), max: String(allowed.high) }
        : { min: String(minimum), max: String(maximum) };
      let value;
      try {
        value = numberFrom(text.trim(), `Connection limit of ${region}`, byId("grid-limit"), bounds);
      } catch (error) {
        byId("grid-region").value = region;
        showRegion(region);
        throw error;
      }
      const what = `connection limit of ${region} set to ${formatShort(value)} MW`;
      const limit = item
        ? recentred(item, value, what)
        : { dist: "fixed", value, source: editSource(what, "no limit") };
      grid[region] = { ...(grid[region] || {}), limit_mw: limit };
      changes.push(`${region} connection limit ${formatCount(value)} MW`);
      tags.push(`${slug(region)}-limit-${formatShort(value)}MW`);
    }
    scenario.grid = grid;
  }
}

// An optional number of the flexibility block: null when its field is empty (none).
const readOptional = (inputId, label) =>
  byId(inputId).value.trim() === "" ? null : readNumber(inputId, label);

function editedFlexibility(scenario, changes, tags) {
  const shareEdited = edited("flex-share");
  const others = ["flex-hours", "flex-mode", "flex-threshold", "flex-from-year"];
  if (!shareEdited && !others.some(edited)) return;
  if (byId("flex-share").value.trim() === "" && scenario.flexibility) {
    delete scenario.flexibility;
    changes.push("no flexibility");
    tags.push("no-flexibility");
    return;
  }
  const share = readNumber("flex-share", "Flexible share of the AI load");
  const hours = readNumber("flex-hours", "Stress hours per year");
  const mode = byId("flex-mode").value;
  const threshold = readOptional("flex-threshold", "Called only above a grid load");
  const fromYear = readOptional("flex-from-year", "Programme's first year");
  const item = form.inputs.get("flexibility.share");
  const before = scenario.flexibility;
  const what = `flexible share set to ${share}`;
  let quantity = { dist: "fixed", value: share, source: editSource(what, "no flexibility") };
  if (item) quantity = shareEdited ? recentred(item, share, what) : item.quantity;
  // When the programme is called: its hours, mode, grid load and first year, in words.
  const terms = (hoursPerYear, howFlexes, aboveMw, firstYear) =>
    `${hoursPerYear} h, ${howFlexes}` +
    (aboveMw != null ? `, above ${aboveMw} MW` : "") +
    (firstYear != null ? `, from ${firstYear}` : "");
  const now = terms(hours, mode, threshold, fromYear);
  const was = before
    ? terms(before.hours_per_year, before.mode, before.threshold_mw, before.from_year)
    : "no flexibility";
  // The table's own source describes when it is called: kept only while that stays.
  const source = now === was ? before.source : editSource(`stress hours: ${now}`, was);
  scenario.flexibility = {
    ...before,
    source,
    share: quantity,
    hours_per_year: hours,
    mode,
    threshold_mw: threshold,
    from_year: fromYear,
  };
  const above = threshold != null ? ` above ${threshold} MW` : "";
  const from = fromYear != null ? ` from ${fromYear}` : "";
  changes.push(`flexible share ${share} in ${hours} h/yr (${mode})${above}${from}`);
  tags.push(
    `flex-${share}-${hours}h-${mode}` +
      (threshold != null ? `-above-${threshold}MW` : "") +
      (fromYear != null ? `-from-${fromYear}` : ""),
  );
}

function periodBounds(scenario) {
  const startYear = readNumber("start-year", "From year");
  // The To year from the From year on, at most the API's years: "To year: 2060 is outside the
  // allowed 2024–2053" names the last one reachable.
  const input = byId("end-year");
  const span = form.limits["period.years"].maximum;
  const allowed = {
    min: String(Math.max(Number(input.min), startYear)),
    max: String(Math.min(Number(input.max), startYear + span - 1)),
  };
  const endYear = numberFrom(input.value.trim(), "To year", input, allowed);
  const bounds = {};
  if (String(startYear) !== scenario.horizon.start.slice(0, 4)) bounds.start = `${startYear}-01-01`;
  if (String(endYear) !== scenario.horizon.end.slice(0, 4)) bounds.end = `${endYear}-12-31`;
  return bounds;
}

// The body of POST /v1/projections for what the form shows, a list of the edits made, the same
// as file-name fragments, the period as one ("2026-2030", or "" for the scenario's own) and the
// shipped scenario's id. Without edits the body names the shipped scenario (a period is no
// edit); with edits it sends the whole edited scenario.
export function buildRequest(options) {
  const scenario = structuredClone(form.original);
  const changes = [];
  const tags = []; // the edits for a file name: "capital-limit-100MW"
  editedPlan(scenario, changes, tags);
  editedOperations(scenario, changes, tags);
  editedSites(scenario, changes, tags);
  editedGrid(scenario, changes, tags);
  editedFlexibility(scenario, changes, tags);
  const common = {
    draws: readNumber("draws", "Draws"),
    seed: readNumber("seed", "Seed"),
    ...periodBounds(scenario),
    ...options,
  };
  // A design weather year is an option of the run, not an edit of the scenario.
  const weatherYear = byId("weather-year").value;
  if (weatherYear) common.weather_year = Number(weatherYear);
  const period =
    common.start || common.end
      ? `${(common.start || scenario.horizon.start).slice(0, 4)}-${(common.end || scenario.horizon.end).slice(0, 4)}`
      : "";
  const shippedId = scenario.id;
  if (changes.length === 0) {
    return { request: { scenario_id: scenario.id, ...common }, changes, tags, period, shippedId };
  }
  // A variant gets its own id, so that its CSV and provenance are not mistaken for the original.
  scenario.id = `${scenario.id}-edited`.slice(0, 64);
  scenario.title = `${scenario.title} (${DASHBOARD_NOTE})`.slice(0, 200);
  return { request: { scenario, ...common }, changes, tags, period, shippedId };
}
