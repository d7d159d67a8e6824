// The REST API as the page uses it: the signed-in token and the chosen namespace (both kept in this tab's
// sessionStorage, never in a URL), requests that carry the token, and the event stream read with fetch
// (EventSource cannot send an Authorization header). A refused or failed request throws an ApiError with
// the status and the server's own message. Whether the server answers at all is reported to the
// listeners of onConnection: `false` when a request could not reach it, `true` when one did again.

const TOKEN = "vamp.token";
const NAMESPACE = "vamp.namespace";

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status;
    this.body = body;
  }

  get refused() {
    return this.status === 401 || this.status === 403;
  }

  get unreachable() {
    return this.status === 0;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signIn(secret) {
  sessionStorage.setItem(TOKEN, secret);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(NAMESPACE);
}

// The namespace requests go to ("acme-prod"), or null for the server's default namespace.
export function namespace() {
  return sessionStorage.getItem(NAMESPACE);
}

export function setNamespace(name) {
  if (name) sessionStorage.setItem(NAMESPACE, name);
  else sessionStorage.removeItem(NAMESPACE);
}

// The address of an API path in the chosen namespace: /api/v1/<path> or /<namespace>/api/v1/<path>;
// `server` paths (tokens/self, organisations) are the server's, never a namespace's.
export function address(path, { server = false } = {}) {
  const chosen = server ? null : namespace();
  return `${chosen ? `/${encodeURIComponent(chosen)}` : ""}/api/v1/${path}`;
}

// Path segments for an artifact name with slashes: gateways/sava%2Fsava%2Fwebport.
export function named(kind, name) {
  return `${kind}/${encodeURIComponent(name)}`;
}

const connectionListeners = new Set();
let reachable = true;

// Calls `listener(up)` whenever the server stops or starts answering; returns a function that stops it.
export function onConnection(listener) {
  connectionListeners.add(listener);
  return () => connectionListeners.delete(listener);
}

function connected(up) {
  if (up === reachable) return;
  reachable = up;
  for (const listener of connectionListeners) listener(up);
}

async function messageOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body.message === "string") return { message: body.message, body };
    return { message: `${response.status} ${response.statusText}`.trim(), body };
  } catch {
    return { message: `${response.status} ${response.statusText}`.trim(), body: null };
  }
}

async function send(url, init) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", ...init });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    connected(false);
    throw new ApiError(0, "The Vamp server cannot be reached.");
  }
  connected(true);
  if (!response.ok) {
    const { message, body } = await messageOf(response);
    throw new ApiError(response.status, message, body);
  }
  return response;
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${token()}`, Accept: "application/json", ...extra };
}

// Any request to /api/v1/<path>. `body` is sent as JSON unless `contentType` names another type (then it
// is sent as it is, e.g. YAML text). Answers the Response; `signal` aborts it; `server` skips the namespace.
export async function request(method, path, { body, contentType, accept, signal, server } = {}) {
  const init = { method, headers: headers(accept ? { Accept: accept } : {}), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = contentType ?? "application/json";
    init.body = contentType ? body : JSON.stringify(body);
  }
  return send(address(path, { server }), init);
}

async function json(response) {
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// GET /api/v1/<path>: the answer's JSON and its X-Total-Count (null when not a list).
export async function get(path, { signal, server } = {}) {
  const response = await request("GET", path, { signal, server });
  const total = response.headers.get("X-Total-Count");
  return { body: await json(response), total: total === null ? null : Number(total) };
}

// PUT, POST and DELETE of /api/v1/<path>: the answer's JSON (null when empty). A refusal throws an
// ApiError with the server's message (the page shows it where the change was asked for).
export async function put(path, body, options = {}) {
  return json(await request("PUT", path, { ...options, body }));
}

export async function post(path, body, options = {}) {
  return json(await request("POST", path, { ...options, body }));
}

export async function del(path, options = {}) {
  return json(await request("DELETE", path, options));
}

// Reads the Server-Sent Events of /api/v1/<path> (events/stream?tag=…) until `signal` aborts or the
// stream ends: `onEvent({event, data})` for each event, `data` parsed as JSON when it is JSON;
// `onOpen()` once the server has answered (it then sends every new event). Returns when the stream
// ends; throws an ApiError when it cannot be opened or breaks.
export async function stream(path, onEvent, signal, onOpen = null) {
  const response = await request("GET", path, { accept: "text/event-stream", signal });
  onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal?.aborted) return;
        connected(false);
        throw new ApiError(0, "The Vamp server cannot be reached.");
      }
      if (chunk.done) return;
      buffer += chunk.value.replaceAll("\r\n", "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) onEvent(event);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function parseBlock(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // a comment: heartbeats
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join("\n");
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}
