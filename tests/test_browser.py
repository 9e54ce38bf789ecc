"""The dashboard in real headless Chromium against the real server (uvicorn in a subprocess).

Debian's ``chromium`` is driven through the ``playwright`` Python package pointed at
``/usr/bin/chromium`` (Playwright's own browser download is never used). The test skips, with
the reason, when either is missing.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A projection on the loaded 2-core CI machine takes seconds; leave room, but fail eventually.
PROJECTION_TIMEOUT_MS = 45_000
# Set to a .png path to save a full-page screenshot of the page as it first opens (docs/).
SCREENSHOT = os.environ.get("FORECAST_DASHBOARD_SCREENSHOT")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)


@pytest.fixture(scope="module")
def base_url():
    from tests.support.server import running_server

    # The shipped baseline model, whatever an earlier test pointed the library at.
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("FORECAST_ARTIFACT_DIR", raising=False)
        with running_server() as (base, _seconds_to_ready):
            yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{base_url}/")
    yield page
    context.close()
    assert page_errors == [], f"JavaScript errors on the page: {page_errors}"


def _wait_done(page, previous_status: str = "") -> str:
    """Wait until the status reports a finished projection other than ``previous_status``."""
    page.wait_for_function(
        f"() => {{ const s = document.getElementById('status').textContent;"
        f" return s.includes(' done in ') && s !== {json.dumps(previous_status)}; }}",
        timeout=PROJECTION_TIMEOUT_MS,
    )
    return page.text_content("#status")


def _cell(page, table: str, year: int, variable: str, quantile: float) -> str:
    row = page.locator(f"#{table} tbody tr", has=page.locator(f"th:text-is('{year}')"))
    return row.locator(f"td[data-variable='{variable}'][data-quantile='{quantile}']").inner_text()


def _csv_values(text: str, variable: str) -> dict[tuple[str, float], float]:
    return {
        (row["period_start"], float(row["quantile"])): float(row["value"])
        for row in csv.DictReader(io.StringIO(text))
        if row["variable"] == variable and row["region"] == "national"
    }


def test_pick_scenario_change_assumption_download_csv(page, base_url):
    """Pick a scenario, raise the load factor, see chart and table change, get a matching CSV."""
    _wait_done(page)
    if SCREENSHOT:  # how docs/dashboard.png is made: the page as it first opens
        from PIL import Image

        page.set_viewport_size({"width": 1400, "height": 900})
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
        # A 256-colour palette keeps the checked-in PNG small (flat UI colours survive it).
        shot.convert("RGB").quantize(colors=256).save(SCREENSHOT, optimize=True)
    page.select_option("#scenario", "kr-gov-gpu-path")
    first_status = _wait_done(page)
    assert "kr-gov-gpu-path" in first_status
    assert page.text_content("#results-heading") == "Projection: kr-gov-gpu-path"
    headers = page.locator("#energy-table thead").inner_text()
    assert "AI energy [TWh]" in headers and "AI share of energy [%]" in headers
    assert "[GW]" in page.locator("#peak-table thead").inner_text()
    assert "[MW]" in page.text_content("#chart-ai svg") or "[GW]" in page.text_content(
        "#chart-ai svg"
    )
    energy_before = float(_cell(page, "energy-table", 2035, "ai_energy_twh", 0.5))
    median_before = page.get_attribute("#chart-ai path.median", "d")

    # Keyboard only: type into the labelled field and submit the form with Enter.
    page.get_by_label("Load factor [fraction of nameplate]").fill("0.8")
    page.get_by_label("Load factor [fraction of nameplate]").press("Enter")
    changed_status = _wait_done(page, first_status)
    assert "load factor 0.8" in changed_status
    energy_after = float(_cell(page, "energy-table", 2035, "ai_energy_twh", 0.5))
    assert page.get_attribute("#chart-ai path.median", "d") != median_before
    # The load factor's mode moves 0.70 -> 0.80 with the same relative spread: ~+14 % energy.
    assert 1.08 < energy_after / energy_before < 1.22

    with page.expect_download() as download_info:
        page.click("#download-csv")
    download = download_info.value
    assert download.suggested_filename == "kr-gov-gpu-path-edited.csv"
    csv_text = Path(download.path()).read_text(encoding="utf-8")

    request = json.loads(page.text_content("#request-json"))
    assert request["scenario"]["operations"]["load_factor"]["mode"] == 0.8
    answer = httpx.post(f"{base_url}/v1/projections", json=request, timeout=60).json()
    years = answer["coords"]["year"]
    quantiles = answer["coords"]["quantile"]
    energy_csv = {
        (int(period_start[:4]), level): value
        for (period_start, level), value in _csv_values(csv_text, "ai_energy_twh").items()
    }
    energy_json = answer["variables"]["ai_energy_twh"]["values"]
    assert len(energy_csv) == len(years) * len(quantiles)
    for y, year in enumerate(years):
        for q, level in enumerate(quantiles):
            assert energy_csv[(year, level)] == pytest.approx(energy_json[y][q], rel=1e-6)
    load_csv = _csv_values(csv_text, "ai_facility_mw")
    load_json = answer["variables"]["ai_facility_mw"]["values"]
    local_times = answer["coords"]["local_time"]
    assert len(load_csv) == len(local_times) * len(quantiles)
    for t, period_start in enumerate(local_times):
        for q, level in enumerate(quantiles):
            assert load_csv[(period_start, level)] == pytest.approx(load_json[t][q], rel=1e-6)
    # And the page's table shows the API's numbers.
    assert energy_after == pytest.approx(
        energy_json[years.index(2035)][quantiles.index(0.5)], abs=0.006
    )


def test_api_refusal_is_shown_naming_the_field(page):
    """An out-of-range PUE is refused by the API (422); the page says which field and why."""
    _wait_done(page)
    page.get_by_label("PUE [facility ÷ IT power]").fill("9")
    page.get_by_role("button", name="Run projection").click()
    error = page.locator("#error")
    error.wait_for(state="visible", timeout=PROJECTION_TIMEOUT_MS)
    text = error.inner_text()
    assert "HTTP 422" in text and "pue" in text and "allowed range is [1.0, 5.0]" in text
    assert page.get_attribute("#pue", "aria-invalid") == "true"
    assert page.get_attribute("#status", "aria-live") == "polite"
