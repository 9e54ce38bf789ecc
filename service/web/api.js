// Client of this server's forecast API: JSON reads, projections and comparisons (inline or as a
// polled job) and their CSV. Every failure becomes an ApiError carrying the API's own message.
// Every request carries the tab's API key, if one was entered (key.js), in X-API-Key.

const JOB_POLL_MS = 500;
const KEY_HEADER = "X-API-Key";
const KEY_STORAGE = "forecast-api-key";
// Dispatched on window when the API answers 401 or 403: key.js offers the key field.
export const KEY_REFUSED_EVENT = "forecast-api-key-refused";

export const storedKey = () => sessionStorage.getItem(KEY_STORAGE) || "";
export const useKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetKey = () => sessionStorage.removeItem(KEY_STORAGE);

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// The prefix a proxy serves this service under ("" at the root; the server writes it into the
// page). Every API path here, and every link the API answers with, is relative to the service's
// root: it goes after this prefix.
const ROOT_PATH = document.querySelector('meta[name="forecast-root-path"]')?.content ?? "";

export async function api(path, options = {}) {
  const headers = new Headers(options.headers);
  const key = storedKey();
  if (key) headers.set(KEY_HEADER, key);
  let response;
  try {
    response = await fetch(ROOT_PATH + path, { ...options, headers });
  } catch (error) {
    if (error.name === "AbortError") throw error; // superseded by the caller: no failure
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
    if (response.status === 401 || response.status === 403) {
      const refused = { status: response.status, detail };
      window.dispatchEvent(new CustomEvent(KEY_REFUSED_EVENT, { detail: refused }));
    }
    throw new ApiError(response.status, detail);
  }
  return response;
}

// A job cancelled (from this page or by anyone allowed to) before it ended.
export class JobCancelledError extends ApiError {}

export const getJson = async (path, signal) => (await api(path, { signal })).json();

export const scenarioPath = (scenarioId) => `/v1/scenarios/${encodeURIComponent(scenarioId)}`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Aborted, the poll stops; the job runs on (another caller's identical request may share it).
async function waitForJob(job, onProgress, signal) {
  for (;;) {
    await sleep(JOB_POLL_MS);
    signal?.throwIfAborted();
    const current = await getJson(`/v1/jobs/${job.id}`, signal);
    if (current.status === "succeeded") return current.result_url;
    if (current.status === "failed") {
      throw new ApiError(current.error_status || 500, current.error || "the job failed");
    }
    if (current.status === "cancelled") {
      // Who cancelled it and when; the API's resubmit instruction is for API clients.
      const why = (current.error || "the job was cancelled").split("; resubmit")[0];
      throw new JobCancelledError(409, why);
    }
    const percent = current.total_hours
      ? Math.round((100 * current.done_hours) / current.total_hours)
      : 0;
    onProgress(current.status, percent, current.id);
  }
}

// POST /v1/projections or /v1/comparisons; a large one answers 202 and runs as a job, which is
// polled here. Returns the answer, the job's result URL (null when inline) and how it was served.
// An abort of `signal` (a newer request supersedes this one) rejects with an AbortError.
async function compute(path, request, onProgress, signal) {
  const response = await api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(request),
    signal,
  });
  if (response.status !== 202) {
    return {
      payload: await response.json(),
      resultUrl: null,
      served: response.headers.get("X-Cache") || "",
    };
  }
  const resultUrl = await waitForJob(await response.json(), onProgress, signal);
  return { payload: await getJson(resultUrl, signal), resultUrl, served: "job" };
}

// Stop a running or queued job (POST /v1/jobs/{id}/cancel); its poll then ends with
// JobCancelledError. A job that ended meanwhile answers 409, which is not an error here.
export async function cancelJob(jobId) {
  try {
    await api(`/v1/jobs/${jobId}/cancel`, { method: "POST" });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 409) throw error;
  }
}

// Show a job's cancel button (once per job): a click asks the server to stop it, and the job's
// poll then ends with JobCancelledError. The caller hides the button when the job has ended.
// Pressed, it is marked aria-disabled, not disabled: Chromium moved the focus of a disabled
// button to <body>. The caller, hiding it, gives its focus to the Run button.
export function offerCancel(button, jobId, onError) {
  if (button.dataset.job === jobId && !button.hidden) return;
  button.dataset.job = jobId;
  button.removeAttribute("aria-disabled");
  button.hidden = false;
  button.onclick = async () => {
    if (button.getAttribute("aria-disabled") === "true") return;
    button.setAttribute("aria-disabled", "true");
    try {
      await cancelJob(jobId);
    } catch (error) {
      button.removeAttribute("aria-disabled");
      onError(error);
    }
  };
}

// How often at most a job's progress is written into the status, a live region [ms]: written
// at every poll (0.5 s), "0 % of hours computed…" was announced 11 times in 6 s.
const PROGRESS_STATUS_MS = 5_000;

// A job's progress, as onProgress(status, percent) of project and compare: `bar` (a
// <progress> outside the live region) takes every poll's percent; `say` (the status) gets the
// text only when it changes, and at most every PROGRESS_STATUS_MS unless the job's state
// changes (queued, then running).
export function progressReporter(say, bar) {
  let said = "";
  let state = "";
  let saidAt = -Infinity;
  return (status, percent) => {
    bar.hidden = false;
    bar.value = percent;
    const text = `Running as a background job (${status}): ${percent} % of hours computed…`;
    const now = performance.now();
    if (text === said || (status === state && now - saidAt < PROGRESS_STATUS_MS)) return;
    [said, state, saidAt] = [text, status, now];
    say(text);
  };
}

export const project = (request, onProgress, signal) =>
  compute("/v1/projections", request, onProgress, signal);

export const compare = (request, onProgress) => compute("/v1/comparisons", request, onProgress);

function filenameOf(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  return match ? match[1] : fallback;
}

// The CSV of a projection or comparison already computed: the job's result, or the same request
// again (the server's result cache answers it without recomputing); with the id of the run that
// holds it (X-Run-Id), whose provenance csvMetadata fetches.
async function resultCsv(path, request, resultUrl, fallbackName) {
  const response = resultUrl
    ? await api(`${resultUrl}?format=csv`, { headers: { Accept: "text/csv" } })
    : await api(`${path}?format=csv`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/csv" },
        body: JSON.stringify(request),
      });
  return {
    blob: await response.blob(),
    filename: filenameOf(response, fallbackName),
    runId: response.headers.get("X-Run-Id"),
  };
}

export const projectionCsv = (request, resultUrl, fallbackName) =>
  resultCsv("/v1/projections", request, resultUrl, fallbackName);

export const comparisonCsv = (request, resultUrl, fallbackName) =>
  resultCsv("/v1/comparisons", request, resultUrl, fallbackName);

// The provenance the command line writes beside its CSV, `<file>.csv.meta.json`, as the API
// serves it for the run that holds the CSV (GET /v1/runs/{id}/meta: forecast/io/export.py
// table_metadata, of a comparison forecast/sweep/compare.py comparison_table_metadata; the
// columns' dtypes among it), with the run's own record under `run`.
export async function csvMetadata(runId) {
  const metadata = await getJson(`/v1/runs/${encodeURIComponent(runId)}/meta`);
  return new Blob([`${JSON.stringify(metadata, null, 2)}\n`], { type: "application/json" });
}

// Hand a fetched file to the browser as a download (the CSV fetchers' other half).
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
