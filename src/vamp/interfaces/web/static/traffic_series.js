// A route's traffic over time, as the gateway page's live charts keep it: pure functions, no DOM, no
// requests (the browser tests import this module and call them directly).
//
// Each poll of /api/v1/metrics/gateways/NAME/routes/ROUTE?window=WINDOW_SECONDS&unmeasured=null answers
// a summary of the last few seconds: `rate` (requests per second over the window, as the agents'
// counters give it), `requests`, `codes` per status class, and the p50/p95/p99 response times in ms
// (null while nothing was measured), or null when nothing at all was measured in the window. `pointOf`
// turns one summary into one point of the charts: requests/s, the 5xx rate as the share of the window's
// responses (in %), and the three percentiles; a null summary is a point with no figures: a gap in the
// lines, and "waiting for traffic" in the text. A series keeps the last HISTORY_SECONDS of points, in
// uPlot's column layout (times in seconds since the epoch).
//
// Weight changes come from the event stream: the reconciler tags each route whose weight it changed with
// `gateways:NAME` and `route:weightupdated` (or weightadded / weightremoved); one change of several routes
// at once is one mark (events less than MARK_MERGE_SECONDS apart are merged).

export const WINDOW_SECONDS = 10;
export const HISTORY_SECONDS = 600;
export const MARK_MERGE_SECONDS = 1;

export const FIGURES = ["rate", "errors", "p50", "p95", "p99"];

export function emptySeries() {
  return { times: [], rate: [], errors: [], p50: [], p95: [], p99: [], latest: null };
}

function numberOrNull(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

// One point at `at` (seconds) from a metrics summary, or from null when nothing was measured.
export function pointOf(summary, at) {
  if (!summary) return { at, measured: false, rate: null, errors: null, p50: null, p95: null, p99: null };
  const requests = Number(summary.requests) || 0;
  const failed = Number(summary.codes?.["5xx"]) || 0;
  return {
    at,
    measured: true,
    requests,
    rate: numberOrNull(summary.rate) ?? 0,
    errors: requests > 0 ? (100 * failed) / requests : 0,
    p50: numberOrNull(summary.p50),
    p95: numberOrNull(summary.p95),
    p99: numberOrNull(summary.p99),
  };
}

// Adds `point` to `series` and forgets the points older than HISTORY_SECONDS before it.
export function record(series, point) {
  series.times.push(point.at);
  for (const figure of FIGURES) series[figure].push(point[figure]);
  if (point.measured) series.latest = point;
  const oldest = point.at - HISTORY_SECONDS;
  let drop = 0;
  while (drop < series.times.length && series.times[drop] < oldest) drop += 1;
  if (drop > 0) {
    series.times.splice(0, drop);
    for (const figure of FIGURES) series[figure].splice(0, drop);
  }
  return series;
}

// A break in the lines at `at` (the page was left and polling stopped): no line joins across it.
export function gap(series, at) {
  if (series.times.length === 0) return series;
  return record(series, pointOf(null, at));
}

// uPlot's data for some figures of a series: [times, figure values, ...].
export function columns(series, figures) {
  return [series.times, ...figures.map((figure) => series[figure])];
}

// The latest figures of a series as text, or null before the first measured point.
export function latestText(series) {
  const latest = series.latest;
  if (!latest) return null;
  return {
    rate: perSecond(latest.rate),
    errors: `${percent(latest.errors)} %`,
    p50: milliseconds(latest.p50),
    p95: milliseconds(latest.p95),
    p99: milliseconds(latest.p99),
  };
}

export function perSecond(value) {
  if (value === null || value === undefined) return "—";
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

export function percent(value) {
  if (value === null || value === undefined) return "—";
  return value === 0 || value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

export function milliseconds(value) {
  if (value === null || value === undefined) return "—";
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ms`;
}

// The weight change an event tells of ({at, route}), or null when it tells of something else.
export function weightChangeOf(event, gateway) {
  const tags = Array.isArray(event?.tags) ? event.tags : [];
  if (!tags.includes(`gateways:${gateway}`)) return null;
  if (!tags.some((tag) => /^route:weight(updated|added|removed)$/.test(tag))) return null;
  const at = Date.parse(event.timestamp);
  if (!Number.isFinite(at)) return null;
  const route = tags.find((tag) => tag.startsWith("routes:"))?.slice("routes:".length) ?? null;
  return { at: at / 1000, route };
}

// Adds a weight change to `marks` (sorted by time): merged into a mark less than MARK_MERGE_SECONDS
// away, so that one PUT of two routes is one mark. Forgets marks older than the history. Answers
// whether the marks changed (a new mark, or a route new to one).
export function addMark(marks, change, now = change.at) {
  const near = marks.find((mark) => Math.abs(mark.at - change.at) < MARK_MERGE_SECONDS);
  if (near) {
    if (!change.route || near.routes.includes(change.route)) return false;
    near.routes.push(change.route);
    return true;
  }
  marks.push({ at: change.at, routes: change.route ? [change.route] : [] });
  marks.sort((a, b) => a.at - b.at);
  while (marks.length > 0 && marks[0].at < now - HISTORY_SECONDS) marks.shift();
  return true;
}

// "HH:MM:SS" of a time in seconds since the epoch, in the browser's time zone (as the charts' axes).
export function clockTime(seconds) {
  const moment = new Date(seconds * 1000);
  return [moment.getHours(), moment.getMinutes(), moment.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
}
