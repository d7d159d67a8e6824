// The gateway page's live charts: per route, requests/s, the 5xx rate (share of responses) and the
// p50/p95/p99 response times, polled every POLL_SECONDS from /api/v1/metrics/gateways/NAME/routes/ROUTE
// (a summary over the last WINDOW_SECONDS, so each point is the rate the agents' counters gave for that
// window, as `vamp metrics gateway --watch` shows it), drawn with uPlot, and summed up in a small table of
// the latest figures that screen readers (and the tests) read.
//
// Weight changes are marked on every chart (a dashed vertical line) and listed under the charts as
// "weights changed HH:MM:SS". They come from the event stream (events/stream?tag=gateways:NAME), not from
// the gateway's own answers: the stream tells of every change whoever made it (this page's Apply, the
// CLI, a release stepping) the moment the reconciler applies it, with the server's time, where polling
// the gateway would add a request per tick and only see a change at the next tick. What the stream may
// miss (before it is subscribed, while it reconnects) is read from the event archive by the next two polls.
//
// A gateway's series live in this module, keyed by namespace and gateway name, not in the page's
// elements: the page is rebuilt after Apply, and the charts keep their history across it. Polling and the
// stream run once per gateway and view visit, stopped when the view's signal aborts (the user left the
// view); a new visit starts them again, with a break in the lines for the time away. A failed poll shows
// a small note and the next poll tries again; nothing here ever throws into the page.

import * as api from "./api.js";
import { make } from "./dom.js";
import { pause } from "./pause.js";
import {
  WINDOW_SECONDS,
  addMark,
  clockTime,
  columns,
  emptySeries,
  gap,
  latestText,
  milliseconds,
  percent,
  perSecond,
  pointOf,
  record,
  weightChangeOf,
} from "./traffic_series.js";
import uPlot from "./vendor/uPlot.esm.js";

const POLL_SECONDS = 3;
const RECONNECT_SECONDS = 3;
const CATCH_UP_POLLS = 2;
const HEIGHT = 150;
const MARK_COLOUR = "#57606a";

const CHARTS = [
  {
    title: "requests/s",
    series: [{ figure: "rate", label: "requests/s", stroke: "#1f6feb", value: perSecond }],
  },
  {
    title: "5xx rate (% of responses)",
    series: [{ figure: "errors", label: "5xx %", stroke: "#b42318", value: percent }],
  },
  {
    title: "response time (ms)",
    series: [
      { figure: "p50", label: "p50", stroke: "#1a7f37", value: milliseconds },
      { figure: "p95", label: "p95", stroke: "#9a6700", value: milliseconds },
      { figure: "p99", label: "p99", stroke: "#8250df", value: milliseconds },
    ],
  },
];

const FIGURE_NAMES = [
  ["rate", "requests/s"],
  ["errors", "5xx"],
  ["p50", "p50"],
  ["p95", "p95"],
  ["p99", "p99"],
];

const gateways = new Map(); // "namespace gateway" → its live state (see stateOf)

function stateOf(name) {
  const key = `${api.namespace() ?? ""} ${name}`;
  let state = gateways.get(key);
  if (!state) {
    state = {
      name,
      routes: [],
      series: new Map(),
      marks: [],
      since: null, // the server's time of the newest weight change before the charts started
      signal: null,
      note: "",
      catchUp: 0,
      view: null,
    };
    gateways.set(key, state);
  }
  return state;
}

function seriesOf(state, route) {
  let series = state.series.get(route);
  if (!series) {
    series = emptySeries();
    state.series.set(route, series);
  }
  return series;
}

// One route's summary now, or null when nothing was measured in the window (asked as null rather than
// as a 404, which the browser's console would log as an error at every poll of a route not measured yet).
async function summaryOf(gateway, route, signal) {
  const name = encodeURIComponent(gateway);
  const path = `metrics/gateways/${name}/routes/${encodeURIComponent(route)}`;
  return (await api.get(`${path}?window=${WINDOW_SECONDS}&unmeasured=null`, { signal })).body;
}

async function poll(state, signal) {
  while (!signal.aborted) {
    const routes = [...state.routes];
    try {
      const summaries = await Promise.all(routes.map((route) => summaryOf(state.name, route, signal)));
      const at = Date.now() / 1000;
      routes.forEach((route, index) => record(seriesOf(state, route), pointOf(summaries[index], at)));
      state.note = "";
    } catch (error) {
      if (signal.aborted) return;
      const reason = error instanceof api.ApiError ? error.message : String(error);
      state.note = `The metrics could not be read (${reason}); trying again in ${POLL_SECONDS} s.`;
    }
    if (state.catchUp > 0 && (await caughtUp(state, signal))) state.catchUp -= 1;
    state.view?.update();
    await pause(POLL_SECONDS * 1000, signal);
  }
}

function noteChange(state, change) {
  return change !== null && addMark(state.marks, change, Date.now() / 1000);
}

// The weight changes of the event archive (newest first) that the stream may have missed: those after
// `state.since`, which the first reading sets to the newest change before the charts started. Both are
// the server's times, so a browser whose clock is off neither loses nor invents a mark. Answers whether
// the archive could be read (if not, the next poll reads it again).
async function caughtUp(state, signal) {
  const path = `events?tag=${encodeURIComponent(`gateways:${state.name}`)}&per_page=30`;
  let events;
  try {
    events = (await api.get(path, { signal })).body ?? [];
  } catch {
    return false;
  }
  const changes = events.map((event) => weightChangeOf(event, state.name)).filter(Boolean);
  if (state.since === null) {
    state.since = Math.max(-Infinity, ...changes.map((change) => change.at));
    return true;
  }
  for (const change of changes) if (change.at > state.since) noteChange(state, change);
  return true;
}

async function follow(state, signal) {
  const path = `events/stream?tag=${encodeURIComponent(`gateways:${state.name}`)}`;
  while (!signal.aborted) {
    state.catchUp = CATCH_UP_POLLS;
    try {
      await api.stream(path, ({ data }) => {
        if (noteChange(state, weightChangeOf(data, state.name))) state.view?.update();
      }, signal);
    } catch {
      // The note of the next failed poll says the server cannot be reached; the stream tries again.
    }
    await pause(RECONNECT_SECONDS * 1000, signal);
  }
}

function start(state, signal) {
  if (state.signal === signal) return;
  if (state.signal !== null) {
    for (const series of state.series.values()) gap(series, Date.now() / 1000);
  }
  state.signal = signal;
  poll(state, signal);
  follow(state, signal);
  signal.addEventListener("abort", () => {
    if (state.signal === signal) state.view?.destroy();
  }, { once: true });
}

// The dashed line of every weight change inside the chart's time range.
function markPlugin(state) {
  return {
    hooks: {
      draw: [
        (chart) => {
          const { ctx, bbox } = chart;
          const { min, max } = chart.scales.x;
          const ratio = window.devicePixelRatio || 1;
          ctx.save();
          ctx.strokeStyle = MARK_COLOUR;
          ctx.fillStyle = MARK_COLOUR;
          ctx.lineWidth = Math.max(1, ratio);
          ctx.font = `${Math.round(10 * ratio)}px system-ui, sans-serif`;
          ctx.textBaseline = "top";
          ctx.setLineDash([6 * ratio, 4 * ratio]);
          for (const mark of state.marks) {
            if (min === undefined || mark.at < min || mark.at > max) continue;
            const x = Math.round(chart.valToPos(mark.at, "x", true));
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
            const label = "weights";
            const right = x + 3 * ratio + ctx.measureText(label).width <= bbox.left + bbox.width;
            ctx.textAlign = right ? "left" : "right";
            ctx.fillText(label, right ? x + 3 * ratio : x - 3 * ratio, bbox.top + 2 * ratio);
          }
          ctx.restore();
        },
      ],
    },
  };
}

// The time axis: every point and mark, and at least the last minute.
function timeRange(min, max, lastMark) {
  const end = Math.max(max ?? Date.now() / 1000, lastMark);
  return [Math.min(min ?? end, end - 60), end];
}

function chartOptions(state, chart, width) {
  const last = () => state.marks.at(-1)?.at ?? -Infinity;
  return {
    width,
    height: HEIGHT,
    legend: { show: chart.series.length > 1, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: (_, min, max) => timeRange(min, max, last()) },
      y: { range: (_, min, max) => [0, Math.max(max ?? 0, 0) * 1.1 || 1] },
    },
    // The time axis as HH:MM:SS, one line (uPlot's default adds a date line that overlaps itself).
    axes: [{ space: 72, values: (_, ticks) => ticks.map(clockTime) }, { size: 56 }],
    series: [
      {},
      ...chart.series.map(({ label, stroke, value }) => ({
        label,
        stroke,
        width: 2,
        value: (_, number) => value(number),
      })),
    ],
    plugins: [markPlugin(state)],
  };
}

function figuresTable(route) {
  const table = make("table", undefined, { class: "route-figures" });
  table.append(make("caption", `Latest figures of ${route}`, { class: "visually-hidden" }));
  const head = make("tr");
  for (const [, title] of FIGURE_NAMES) head.append(make("th", title, { scope: "col" }));
  table.appendChild(make("thead")).append(head);
  const row = table.appendChild(make("tbody")).appendChild(make("tr"));
  const cells = Object.fromEntries(FIGURE_NAMES.map(([figure]) => [figure, row.appendChild(make("td"))]));
  return { table, cells };
}

function routeBlock(state, route, index) {
  const heading = `traffic-route-${index}`;
  const block = make("section", undefined, { class: "route-charts", "aria-labelledby": heading });
  block.append(make("h5", route, { id: heading }));
  const waiting = block.appendChild(make("p", "Waiting for traffic…", { class: "hint" }));
  const { table, cells } = figuresTable(route);
  block.append(table);
  const grid = block.appendChild(make("div", undefined, { class: "chart-grid" }));
  const plots = CHARTS.map((chart) => {
    const label = `${chart.title} of ${route}`;
    const figure = grid.appendChild(make("figure", undefined, { "aria-label": label }));
    figure.append(make("figcaption", chart.title));
    const figures = chart.series.map((line) => line.figure);
    const plot = new uPlot(chartOptions(state, chart, 300), columns(seriesOf(state, route), figures), figure);
    return { chart, figure, plot };
  });
  function update() {
    const series = seriesOf(state, route);
    const text = latestText(series);
    waiting.hidden = text !== null;
    table.hidden = text === null;
    for (const [figure] of FIGURE_NAMES) cells[figure].textContent = text?.[figure] ?? "—";
    for (const { chart, plot } of plots) {
      plot.setData(columns(series, chart.series.map(({ figure }) => figure)));
    }
  }
  function resize() {
    for (const { figure, plot } of plots) {
      const width = Math.floor(figure.clientWidth);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: HEIGHT });
    }
  }
  return { block, update, resize, destroy: () => plots.forEach(({ plot }) => plot.destroy()) };
}

function marksList(state) {
  const list = make("ul", undefined, { class: "weight-changes", "aria-label": "Weight changes" });
  let shown = null;
  return {
    list,
    update() {
      const texts = state.marks.map((mark) => {
        const routes = mark.routes.length ? ` (${mark.routes.join(", ")})` : "";
        return `weights changed ${clockTime(mark.at)}${routes}`;
      });
      if (shown !== null && texts.join("\n") === shown) return;
      shown = texts.join("\n");
      list.replaceChildren(
        ...(state.marks.length === 0
          ? [make("li", "No weight change since the charts started.", { class: "hint" })]
          : texts.map((text) => make("li", text, { class: "weight-mark" }))),
      );
    },
  };
}

// The live charts of `gateway`'s routes, polled until `signal` aborts. Called again for the same gateway
// (the page rebuilt after Apply), it shows the same history and keeps polling as it was.
export function gatewayCharts(gateway, signal) {
  const state = stateOf(gateway.name);
  state.routes = Object.keys(gateway.routes ?? {});
  state.view?.destroy();
  const title = "traffic-charts-title";
  const section = make("section", undefined, { class: "gateway-charts", "aria-labelledby": title });
  section.append(make("h4", "Live traffic", { id: title }));
  section.append(
    make(
      "p",
      `Each route's traffic over the last ${WINDOW_SECONDS} s, every ${POLL_SECONDS} s; ` +
        "dashed lines mark weight changes.",
      { class: "hint" },
    ),
  );
  const note = section.appendChild(make("p", undefined, { class: "charts-note", "aria-live": "polite" }));
  const routes = state.routes.map((route, index) => routeBlock(state, route, index));
  section.append(...routes.map(({ block }) => block));
  if (routes.length === 0) section.append(make("p", "This gateway has no routes to chart."));
  const marks = marksList(state);
  section.append(make("h5", "Weight changes"), marks.list);
  const observer = new ResizeObserver(() => routes.forEach((route) => route.resize()));
  observer.observe(section);
  const view = {
    update() {
      note.textContent = state.note;
      marks.update();
      for (const route of routes) route.update();
    },
    destroy() {
      observer.disconnect();
      for (const route of routes) route.destroy();
      if (state.view === view) state.view = null;
    },
  };
  state.view = view;
  view.update();
  start(state, signal);
  return section;
}
