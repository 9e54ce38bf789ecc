// Charts of a projection, drawn as SVG by the vendored Observable Plot (vendor/plot/README.md):
// fan charts of a load over time and annual bars with P10–P90 whiskers. Colours and type sizes
// live in app.css, keyed on the class names given here.

import * as Plot from "./vendor/plot/plot.js";
import { formatNumber } from "./format.js";

const MIN_WIDTH = 480;
const MARGIN_LEFT = 64;
const BAR_PADDING = 0.3;
// Drawn at the container's width, so that text keeps its CSS size; 860 px before layout.
const widthOf = (container) => Math.max(MIN_WIDTH, container.clientWidth || 860);

// "2026-01-01T00:00+09:00" read as a UTC instant with the same wall-clock time, so that Plot's
// UTC time axis shows the scenario's own calendar in any browser time zone.
const calendarDate = (localTime) => new Date(localTime.replace(/(Z|[+-]\d\d:?\d\d)$/, "Z"));

// Quantiles of one row of a [time or year][quantile] table, scaled to the shown unit.
function levels(row, quantileIndex, divisor) {
  const at = (level) => (row[quantileIndex[level]] ?? NaN) / divisor;
  return { p05: at(0.05), p10: at(0.1), p50: at(0.5), p90: at(0.9), p95: at(0.95) };
}

// Plot puts a <style> element in every chart; the page's Content-Security-Policy refuses inline
// styles (app.css holds the same rules), so it goes before the chart joins the page.
function place(container, chart, classes, label) {
  for (const style of chart.querySelectorAll("style")) style.remove();
  chart.classList.add(...classes);
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", label);
  container.replaceChildren(chart);
}

// The axes of a load over time: local calendar time across, the load with its unit up.
const timeAxes = (xLabel, yLabel, unit, zeroBased) => ({
  x: { type: "utc", label: xLabel, labelAnchor: "center", labelArrow: "none" },
  y: { label: `${yLabel} [${unit}]`, grid: true, zero: zeroBased, nice: true, labelArrow: "none" },
});

// A fan chart: P5–P95 and P10–P90 bands and the P50 line of one series [time][quantile].
export function fanChart(
  container,
  { values, quantileIndex, localTimes, divisor, unit, yLabel, xLabel, zeroBased, kind, title },
) {
  const rows = values.map((row, index) => ({
    date: calendarDate(localTimes[index]),
    month: localTimes[index].slice(0, 7),
    ...levels(row, quantileIndex, divisor),
  }));
  const digits = (value) => formatNumber(value, 1);
  const tipText = (row) =>
    `${row.month}: P50 ${digits(row.p50)} ${unit}\n` +
    `P10–P90 ${digits(row.p10)}–${digits(row.p90)}\nP5–P95 ${digits(row.p05)}–${digits(row.p95)}`;
  const chart = Plot.plot({
    width: widthOf(container),
    height: 300,
    marginLeft: MARGIN_LEFT,
    marginBottom: 42,
    ...timeAxes(xLabel, yLabel, unit, zeroBased),
    marks: [
      Plot.areaY(rows, { x: "date", y1: "p05", y2: "p95", className: "band-outer" }),
      Plot.areaY(rows, { x: "date", y1: "p10", y2: "p90", className: "band-inner" }),
      // The bands' outlines: their pale fills alone are below 3:1 on white.
      ...["p05", "p95"].map((y) => Plot.lineY(rows, { x: "date", y, className: "band-edge-outer" })),
      ...["p10", "p90"].map((y) => Plot.lineY(rows, { x: "date", y, className: "band-edge" })),
      Plot.lineY(rows, { x: "date", y: "p50", className: "median" }),
      Plot.tip(rows, Plot.pointerX({ x: "date", y: "p50", title: tipText })),
    ],
  });
  const first = rows[0];
  const last = rows[rows.length - 1];
  const top = Math.max(...rows.map((row) => row.p95).filter(Number.isFinite));
  place(
    container,
    chart,
    ["fan", `fan-${kind}`],
    `${title}. Median ${digits(first.p50)} ${unit} in ${first.month}, ${digits(last.p50)} ${unit} ` +
      `in ${last.month}; P5–P95 up to ${digits(top)} ${unit}. The tables below give the numbers.`,
  );
}

// Annual bars: the P50 of each year with a P10–P90 whisker, from a [year][quantile] table.
export function annualBars(container, { years, values, quantileIndex, unit, yLabel, kind, title }) {
  const rows = years.map((year, index) => ({
    year: String(year),
    ...levels(values[index], quantileIndex, 1),
  }));
  const digits = (value) => formatNumber(value, 2);
  const tipText = (row) =>
    `${row.year}: P50 ${digits(row.p50)} ${unit}\nP10–P90 ${digits(row.p10)}–${digits(row.p90)}`;
  const width = widthOf(container);
  // Whisker caps a third of a bar wide: the inset is in pixels, the bar width follows the chart.
  const capInset = (((width - MARGIN_LEFT) / rows.length) * (1 - BAR_PADDING)) / 3;
  const chart = Plot.plot({
    width,
    height: 260,
    marginLeft: MARGIN_LEFT,
    marginBottom: 42,
    x: {
      type: "band",
      label: "Calendar year",
      labelAnchor: "center",
      labelArrow: "none",
      padding: BAR_PADDING,
    },
    y: { label: `${yLabel} [${unit}]`, grid: true, zero: true, nice: true, labelArrow: "none" },
    marks: [
      Plot.barY(rows, { x: "year", y: "p50", className: "bar" }),
      Plot.ruleX(rows, { x: "year", y1: "p10", y2: "p90", className: "whisker" }),
      Plot.tickY(rows, { x: "year", y: "p10", inset: capInset, className: "whisker-cap" }),
      Plot.tickY(rows, { x: "year", y: "p90", inset: capInset, className: "whisker-cap" }),
      Plot.ruleY([0], { className: "baseline" }),
      Plot.tip(rows, Plot.pointerX({ x: "year", y: "p50", title: tipText })),
    ],
  });
  const last = rows[rows.length - 1];
  place(
    container,
    chart,
    ["bars", `bars-${kind}`],
    `${title}. ${last.year}: P50 ${digits(last.p50)} ${unit}, P10–P90 ` +
      `${digits(last.p10)}–${digits(last.p90)} ${unit}. The tables below give the numbers.`,
  );
}

// Point markers of the comparison's series, each drawn as a polygon of equal area (or a
// circle) by Plot's symbol interface, draw(context, size) with size its area [px²], and as a
// path of its own in the legend (markerPath).
const polygon = (points) => {
  const area = Math.abs(
    points.reduce((sum, [x, y], i) => {
      const [nx, ny] = points[(i + 1) % points.length];
      return sum + x * ny - nx * y;
    }, 0) / 2,
  );
  return {
    draw(context, size) {
      const k = Math.sqrt(size / area);
      points.forEach(([x, y], i) => (i ? context.lineTo(k * x, k * y) : context.moveTo(k * x, k * y)));
      context.closePath();
    },
  };
};

const star = Array.from({ length: 10 }, (_, i) => {
  const radius = i % 2 ? 0.45 : 1;
  const angle = (Math.PI * i) / 5 - Math.PI / 2;
  return [radius * Math.cos(angle), radius * Math.sin(angle)];
});

const MARKERS = {
  circle: {
    draw(context, size) {
      const r = Math.sqrt(size / Math.PI);
      context.moveTo(r, 0);
      context.arc(0, 0, r, 0, 2 * Math.PI);
    },
  },
  square: polygon([[-1, -1], [1, -1], [1, 1], [-1, 1]]),
  triangle: polygon([[0, -1.15], [1, 0.58], [-1, 0.58]]),
  diamond: polygon([[0, -1.3], [0.9, 0], [0, 1.3], [-0.9, 0]]),
  "triangle-down": polygon([[0, 1.15], [1, -0.58], [-1, -0.58]]),
  plus: polygon([
    [-0.35, -1], [0.35, -1], [0.35, -0.35], [1, -0.35], [1, 0.35], [0.35, 0.35],
    [0.35, 1], [-0.35, 1], [-0.35, 0.35], [-1, 0.35], [-1, -0.35], [-0.35, -0.35],
  ]),
  star: polygon(star),
  hexagon: polygon(
    Array.from({ length: 6 }, (_, i) => [Math.cos((Math.PI * i) / 3), Math.sin((Math.PI * i) / 3)]),
  ),
};

// The area of a marker [px²]: a circle of radius 4 px.
const MARKER_SIZE = 16 * Math.PI;

// The SVG path of a marker centred on 0,0 (the legend's and a chart file's heading's).
export function markerPath(name, size = MARKER_SIZE) {
  let d = "";
  const context = {
    moveTo: (x, y) => (d += `M${x.toFixed(2)},${y.toFixed(2)}`),
    lineTo: (x, y) => (d += `L${x.toFixed(2)},${y.toFixed(2)}`),
    closePath: () => (d += "Z"),
    // A whole circle, the only arc drawn: two half arcs from (r, 0).
    arc: (_x, _y, r) => {
      const radius = r.toFixed(2);
      d += `A${radius},${radius},0,1,1,${(-r).toFixed(2)},0A${radius},${radius},0,1,1,${radius},0Z`;
    },
  };
  MARKERS[name].draw(context, size);
  return d;
}

// How each scenario of a comparison is drawn, in request order (the first is the reference):
// a colour, a dash pattern and a point marker, so that no series is told by its colour alone
// (WCAG 1.4.1). The colours are Okabe and Ito's palette for colour-blind readers
// (https://jfly.uni-koeln.de/color/), the first four apart for deuteranopes and protanopes;
// its orange, sky blue and yellow, below 3:1 on white, are darkened to 3.8:1 and more. Every
// line keeps 3:1 on white (WCAG 1.4.11).
export const SERIES_STYLES = [
  { colour: "#0072B2", dash: "none", marker: "circle" },
  { colour: "#D55E00", dash: "8 3", marker: "square" },
  { colour: "#009E73", dash: "2 2", marker: "triangle" },
  { colour: "#CC79A7", dash: "8 3 2 3", marker: "diamond" },
  { colour: "#000000", dash: "4 4", marker: "triangle-down" },
  { colour: "#A07000", dash: "12 3 2 3 2 3", marker: "plus" },
  { colour: "#3A89B8", dash: "1 3", marker: "star" },
  { colour: "#827800", dash: "12 6", marker: "hexagon" },
];

const seriesScale = (series) => ({
  domain: series.map(({ id }) => id),
  range: series.map(({ colour }) => colour),
});

// A mark's option that tags its <g> (one per facet) with its series' id and marker.
const taggedAs = ({ id, marker }) => ({
  render(index, scales, values, dimensions, context, next) {
    const group = next(index, scales, values, dimensions, context);
    if (group) Object.assign(group.dataset, { series: id, marker });
    return group;
  },
});

// A marker every 12 months of a monthly series, each series' a month later than the one
// before, so that the markers of lines lying together do not hide each other.
const markedRows = (rows, seriesIndex) =>
  rows.filter((_, index) => index % 12 === (2 * seriesIndex + 3) % 12);

// Fans of several scenarios on one axis: each one's P10–P90 band, and its P50 line in its
// colour and dash pattern with its marker once a year. `series` is a list of {id, colour, dash,
// marker, values [time][quantile]} (SERIES_STYLES).
export function comparisonFans(
  container,
  { series, quantileIndex, localTimes, divisor, unit, yLabel, xLabel, zeroBased, kind, title },
) {
  const rowsOf = series.map(({ id, values }) =>
    values.map((row, index) => ({
      scenario: id,
      date: calendarDate(localTimes[index]),
      month: localTimes[index].slice(0, 7),
      ...levels(row, quantileIndex, divisor),
    })),
  );
  const rows = rowsOf.flat();
  const digits = (value) => formatNumber(value, 1);
  const tipText = (row) =>
    `${row.scenario}, ${row.month}: P50 ${digits(row.p50)} ${unit}\n` +
    `P10–P90 ${digits(row.p10)}–${digits(row.p90)}`;
  const chart = Plot.plot({
    width: widthOf(container),
    height: 320,
    marginLeft: MARGIN_LEFT,
    marginBottom: 42,
    ...timeAxes(xLabel, yLabel, unit, zeroBased),
    marks: [
      ...series.map((style, index) =>
        Plot.areaY(rowsOf[index], {
          x: "date",
          y1: "p10",
          y2: "p90",
          fill: style.colour,
          fillOpacity: 0.16,
          className: "band-inner",
          ...taggedAs(style),
        }),
      ),
      // Each band's outline, thin lines in its scenario's colour (3:1 and more on white): the
      // pale fills alone (1.2:1 to 1.5:1) are below the 3:1 that WCAG 1.4.11 asks of them.
      ...series.flatMap((style, index) =>
        ["p10", "p90"].map((y) =>
          Plot.lineY(rowsOf[index], {
            x: "date",
            y,
            stroke: style.colour,
            className: "band-edge",
            ...taggedAs(style),
          }),
        ),
      ),
      ...series.map((style, index) =>
        Plot.lineY(rowsOf[index], {
          x: "date",
          y: "p50",
          stroke: style.colour,
          strokeDasharray: style.dash,
          className: "median",
          ...taggedAs(style),
        }),
      ),
      ...series.map((style, index) =>
        Plot.dot(markedRows(rowsOf[index], index), {
          x: "date",
          y: "p50",
          symbol: MARKERS[style.marker],
          r: 4,
          fill: style.colour,
          className: "marker",
          ...taggedAs(style),
        }),
      ),
      Plot.tip(rows, Plot.pointer({ x: "date", y: "p50", title: tipText })),
    ],
  });
  const last = localTimes[localTimes.length - 1].slice(0, 7);
  const ends = series.map(
    ({ id, values }) =>
      `${id} ${digits(levels(values[values.length - 1], quantileIndex, divisor).p50)} ${unit}`,
  );
  place(
    container,
    chart,
    ["fan", "fan-compare", `fan-compare-${kind}`],
    `${title}. P50 in ${last}: ${ends.join(", ")}. The tables below give the numbers.`,
  );
}

// Annual bars of several scenarios grouped by year: each one's P50 in its colour, topped by its
// marker, with a P10–P90 whisker. `series` is a list of {id, colour, marker, values
// [year][quantile]} (SERIES_STYLES).
export function comparisonBars(container, { years, series, quantileIndex, unit, yLabel, title }) {
  const rows = series.flatMap(({ id, values }) =>
    years.map((year, index) => ({
      scenario: id,
      year: String(year),
      ...levels(values[index], quantileIndex, 1),
    })),
  );
  const digits = (value) => formatNumber(value, 2);
  const tipText = (row) =>
    `${row.scenario}, ${row.year}: P50 ${digits(row.p50)} ${unit}\n` +
    `P10–P90 ${digits(row.p10)}–${digits(row.p90)}`;
  const chart = Plot.plot({
    width: widthOf(container),
    height: 280,
    marginLeft: MARGIN_LEFT,
    marginBottom: 42,
    fx: {
      label: "Calendar year",
      axis: "bottom",
      padding: 0.12,
      labelAnchor: "center",
      labelArrow: "none",
    },
    x: { domain: series.map(({ id }) => id), axis: null, padding: 0.08 },
    y: { label: `${yLabel} [${unit}]`, grid: true, zero: true, nice: true, labelArrow: "none" },
    color: seriesScale(series),
    marks: [
      Plot.barY(rows, { fx: "year", x: "scenario", y: "p50", fill: "scenario", className: "bar" }),
      Plot.ruleX(rows, { fx: "year", x: "scenario", y1: "p10", y2: "p90", className: "whisker" }),
      ...series.map((style) =>
        Plot.dot(
          rows.filter((row) => row.scenario === style.id),
          {
            fx: "year",
            x: "scenario",
            y: "p50",
            symbol: MARKERS[style.marker],
            r: 4,
            className: "marker",
            ...taggedAs(style),
          },
        ),
      ),
      Plot.ruleY([0], { className: "baseline" }),
      Plot.tip(rows, Plot.pointer({ fx: "year", x: "scenario", y: "p50", title: tipText })),
    ],
  });
  const lastYear = String(years[years.length - 1]);
  const ends = rows
    .filter((row) => row.year === lastYear)
    .map((row) => `${row.scenario} ${digits(row.p50)} ${unit}`);
  place(
    container,
    chart,
    ["bars", "bars-compare"],
    `${title}. P50 in ${lastYear}: ${ends.join(", ")}. The tables below give the numbers.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Chart files

// What a chart's look comes from. On the page app.css gives it (the CSP allows no inline style
// there); a downloaded file has no app.css, so each element carries its computed values as
// presentation attributes, and the file stands alone.
const STYLED = [
  "fill",
  "fill-opacity",
  "stroke",
  "stroke-width",
  "stroke-opacity",
  "stroke-dasharray",
  "opacity",
  "font-family",
  "font-size",
  "font-weight",
];

const SVG_NS = "http://www.w3.org/2000/svg";
const HEADING_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
// Text of the heading: title and notes, their sizes [px] and line heights [px]; an average
// glyph is taken as 0.55 em wide to break lines before the chart's width.
const TITLE_PX = 15;
const NOTE_PX = 12;
const LINE_GAP = 1.35;
const PAD = 12;

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// Words of `text` in lines of at most `width` pixels at `size` px.
function wrapped(text, width, size) {
  const most = Math.max(20, Math.floor(width / (0.55 * size)));
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > most) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// The heading a chart file carries above the chart, which the page gives in its caption and
// legend beside it: the title (scenario, variable, unit, what the bands are), notes (draws,
// seed, period) and a legend of the series: colour, dash pattern and marker. Returns the <g> and its height [px].
function headingGroup({ title, notes = [], legend = [] }, width) {
  // From the left edge: Plot's root <svg> centres its text (text-anchor middle), which put
  // the title's first half outside the file.
  const group = svgElement("g", {
    "font-family": HEADING_FONT,
    fill: "#1a1a1a",
    "text-anchor": "start",
  });
  let y = PAD;
  const lines = [
    ...wrapped(title, width - 2 * PAD, TITLE_PX).map((text) => [text, TITLE_PX, 700]),
    ...notes.flatMap((note) =>
      wrapped(note, width - 2 * PAD, NOTE_PX).map((text) => [text, NOTE_PX, 400]),
    ),
  ];
  for (const [text, size, weight] of lines) {
    y += size * LINE_GAP;
    const line = svgElement("text", { x: PAD, y, "font-size": size, "font-weight": weight });
    line.textContent = text;
    group.append(line);
  }
  let x = PAD;
  if (legend.length) y += NOTE_PX * LINE_GAP + 2;
  for (const { label, colour, dash, marker } of legend) {
    const room = 36 + 0.55 * NOTE_PX * label.length + 16;
    if (x > PAD && x + room > width - PAD) {
      x = PAD;
      y += NOTE_PX * LINE_GAP + 2;
    }
    // Each series as the chart draws it: its line's colour and dashes, and its marker.
    const [x1, x2, middle] = [x, x + 30, y - 4];
    group.append(
      svgElement("line", {
        x1,
        x2,
        y1: middle,
        y2: middle,
        stroke: colour,
        "stroke-width": 2.2,
        "stroke-dasharray": dash,
      }),
      svgElement("path", {
        d: markerPath(marker),
        transform: `translate(${x + 15},${middle})`,
        fill: colour,
        stroke: "#ffffff",
      }),
    );
    const text = svgElement("text", { x: x + 36, y, "font-size": NOTE_PX });
    text.textContent = label;
    group.append(text);
    x += room;
  }
  return { group, height: y + PAD };
}

// The chart in `container` as a standalone SVG document: a white background, the heading above
// the chart (its title also as <title>, the chart's description as <desc>), no pointer tip:
// {text, width, height}. `heading` is {title, notes, legend} (headingGroup).
export function chartSvg(container, heading) {
  const svg = container.querySelector("svg");
  if (!svg) return null;
  const copy = svg.cloneNode(true);
  const originals = [svg, ...svg.querySelectorAll("*")];
  const copies = [copy, ...copy.querySelectorAll("*")];
  originals.forEach((element, index) => {
    const style = getComputedStyle(element);
    for (const name of STYLED) copies[index].setAttribute(name, style.getPropertyValue(name));
  });
  for (const tip of copy.querySelectorAll("[aria-label='tip']")) tip.remove();
  const width = Number(svg.getAttribute("width")) || svg.clientWidth;
  const chartHeight = Number(svg.getAttribute("height")) || svg.clientHeight;
  const { group, height: top } = headingGroup(heading, width);
  // The chart's own marks and axes, moved down under the heading.
  const chart = svgElement("g", { transform: `translate(0,${top})` });
  chart.append(...copy.childNodes);
  const height = Math.ceil(top + chartHeight);
  const title = svgElement("title", {});
  title.textContent = heading.title;
  const desc = svgElement("desc", {});
  desc.textContent = svg.getAttribute("aria-label") || "";
  const background = svgElement("rect", { width: "100%", height: "100%", fill: "#ffffff" });
  copy.append(title, desc, background, group, chart);
  copy.removeAttribute("class");
  copy.setAttribute("width", String(width));
  copy.setAttribute("height", String(height));
  copy.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}\n`;
  return { text, width, height };
}

// The chart file: SVG as chartSvg gives it, or PNG drawn from it at twice its size; null while
// no chart is drawn.
export async function chartFile(container, heading, format) {
  const drawn = chartSvg(container, heading);
  if (!drawn) return null;
  const svg = new Blob([drawn.text], { type: "image/svg+xml" });
  if (format === "svg") return svg;
  const url = URL.createObjectURL(svg);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = 2 * drawn.width;
    canvas.height = 2 * drawn.height;
    canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
    const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    // null when the browser cannot encode the canvas (too large for it, out of memory).
    if (!png) throw new Error("the browser could not make the PNG; Download SVG gives the chart");
    return png;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// Wire the Download SVG / PNG buttons under `root` (data-chart: the chart's container id,
// data-name: the chart's part of the file name, data-format; aria-describedby: its caption):
// the file is named `${fileBase()}_${name}.${format}` and carries `heading(caption)` above the
// chart (chartSvg); `save(blob, filename)` hands it over, `report(text)` says what happened.
export function offerChartDownloads(root, { fileBase, heading, save, report }) {
  for (const button of root.querySelectorAll("button[data-chart]")) {
    button.addEventListener("click", async () => {
      const { chart, name, format } = button.dataset;
      const caption = document.getElementById(button.getAttribute("aria-describedby"));
      try {
        const container = document.getElementById(chart);
        const blob = await chartFile(container, heading(caption.textContent), format);
        if (!blob) {
          report("No chart to download yet: run it first.");
          return;
        }
        const filename = `${fileBase()}_${name}.${format}`;
        save(blob, filename);
        report(`Downloaded ${filename} (${Math.ceil(blob.size / 1024)} KiB, the chart shown).`);
      } catch (error) {
        report(`Chart download failed: ${error.message}`);
      }
    });
  }
}
