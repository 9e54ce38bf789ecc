// The API key of a service that asks one for reading (FORECAST_REQUIRE_READ_KEY=true): a field in
// the page's header, shown when the API answers 401 or 403 or a key is kept. The key is kept in
// this tab's sessionStorage (gone when the tab closes) and sent in the X-API-Key header by
// api.js; never in a URL, where logs and the browser's history would keep it.

import { forgetKey, KEY_REFUSED_EVENT, storedKey, useKey } from "./api.js";

const byId = (id) => document.getElementById(id);

function reveal(message) {
  const form = byId("api-key-form");
  form.hidden = false;
  byId("api-key-note").textContent = message;
  byId("forget-key").hidden = !storedKey();
}

// Wire the key field; `onKeyChanged` runs after a key is entered or forgotten (the page loads
// its data again with it).
export function offerKeyField(onKeyChanged) {
  if (storedKey()) reveal("A key is in use in this tab.");
  window.addEventListener(KEY_REFUSED_EVENT, (event) => {
    const { status, detail } = event.detail;
    reveal(
      status === 401
        ? "This service asks for an API key: enter one to read and run projections."
        : `The key was refused (HTTP ${status}): ${detail}`,
    );
    if (status === 401 || !storedKey()) byId("api-key").focus();
  });
  byId("api-key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId("api-key");
    const key = input.value.trim();
    if (!key) {
      input.focus();
      return;
    }
    useKey(key);
    input.value = "";
    reveal("A key is in use in this tab.");
    onKeyChanged();
  });
  byId("forget-key").addEventListener("click", () => {
    forgetKey();
    reveal("The key was forgotten in this tab.");
    byId("api-key").focus();
    onKeyChanged();
  });
}
