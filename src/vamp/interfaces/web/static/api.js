// The REST API as the page uses it: the signed-in token (kept in this tab's sessionStorage, never in a
// URL) and GET requests that carry it. A refused or failed request throws an ApiError with the status
// and the server's own message.

const TOKEN = "vamp.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }

  get refused() {
    return this.status === 401 || this.status === 403;
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
}

async function messageOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body.message === "string") return body.message;
  } catch {
    // Not JSON: fall back to the status line.
  }
  return `${response.status} ${response.statusText}`.trim();
}

// GET /api/v1/<path>: the answer's JSON and its X-Total-Count (null when not a list).
export async function get(path) {
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" },
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "The Vamp server cannot be reached.");
  }
  if (!response.ok) throw new ApiError(response.status, await messageOf(response));
  const total = response.headers.get("X-Total-Count");
  return { body: await response.json(), total: total === null ? null : Number(total) };
}

// PUT /api/v1/<path> with a JSON body: the answer's JSON. A refusal throws an ApiError with the server's
// message (the page shows it where the change was asked for).
export async function put(path, body) {
  let response;
  try {
    response = await fetch(`/api/v1/${path}`, {
      method: "PUT",
      headers: {
        Authorization: `Bearer ${token()}`,
        Accept: "application/json",
        "Content-Type": "application/json",
      },
      body: JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "The Vamp server cannot be reached.");
  }
  if (!response.ok) throw new ApiError(response.status, await messageOf(response));
  return response.json();
}
