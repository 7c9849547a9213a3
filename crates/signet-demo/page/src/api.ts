// The demo backend's routes (crates/signet-demo/src/routes.rs), every call bounded in time.
// Errors come back in the error shape of docs/protocol.md section 7 and are turned into words here.

/** What the page needs to start the browser SDK. */
export interface DemoConfig {
  /** Tenant id for the SDK. */
  tenantId: string;
  /** The push server's base URL (ends in /v1), absolute or relative to the page. */
  baseUrl: string;
  /** The name the device shows for accounts enrolled here. */
  issuer: string;
  /** How long a push challenge stays open, in seconds. */
  challengeLifetimeSeconds: number;
}

/** A fresh enrollment link (docs/protocol.md 8.1). */
export interface Enrollment {
  userId: string;
  link: string;
  /** When the link's track token expires, Unix seconds. */
  expiresAt: number;
  /** How many devices the user had when the link was made. */
  devices: number;
}

/** How many devices a user has enrolled. */
export interface Devices {
  userId: string;
  devices: number;
}

/** The result of tracking an action for the user. */
export interface Tracked {
  action: string;
  isEnrolled: boolean;
  /** The track token for the browser SDK; absent when the user has no device. */
  token?: string;
  idempotencyKey: string;
}

/** The backend's `validate` result (docs/protocol.md section 5). */
export interface Validated {
  isValid: boolean;
  state?: string;
  stateUpdatedAt?: string;
  userId?: string;
  actionCode?: string;
  idempotencyKey?: string;
  verificationMethod?: string;
}

/** An error to show the user, in words, with the server's code when there is one. */
export class DemoError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "DemoError";
    this.code = code;
  }
}

/** How long one call to the demo backend may take. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The page's own base path (/demo/), where the backend routes live under api/. */
const apiRoot = `${import.meta.env.BASE_URL}api/`;

/** Turns a protocol error body (or anything else) into a DemoError with words. */
export function errorFromBody(status: number, body: unknown): DemoError {
  if (body && typeof body === "object" && "error" in body) {
    const record = body as { error?: unknown; errorCode?: unknown; errorDescription?: unknown };
    const code = typeof record.errorCode === "string" ? record.errorCode : String(record.error);
    const description =
      typeof record.errorDescription === "string" && record.errorDescription.length > 0
        ? record.errorDescription
        : undefined;
    return new DemoError(code, description ?? wordsForCode(code, status));
  }
  return new DemoError("server", `The server answered with HTTP ${status} and no explanation.`);
}

/** Words for the protocol's error codes, when the server sent no description. */
export function wordsForCode(code: string, status?: number): string {
  switch (code) {
    case "unauthorized":
      return "The server refused the request: it is not authorised.";
    case "expired_token":
      return "The sign-in token has expired. Start again.";
    case "invalid_scope":
      return "The token does not allow this.";
    case "invalid_request":
      return "The server did not accept the request.";
    case "challenge_not_found":
      return "The server does not know this challenge.";
    case "challenge_expired":
      return "The challenge has expired.";
    case "rate_limited":
      return "Too many requests. Wait a minute and try again.";
    case "network_error":
      return "Could not reach the push server.";
    case "token_not_set":
      return "The page has no token for the push server.";
    default:
      return status ? `The server answered with an error (${code}, HTTP ${status}).` : `The server answered with an error (${code}).`;
  }
}

/** POSTs or GETs JSON to the demo backend, at most REQUEST_TIMEOUT_MS. */
async function call<T>(path: string, body?: unknown): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(apiRoot + path, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) {
      throw new DemoError("timeout", "The demo server did not answer within 15 seconds.");
    }
    throw new DemoError("network", `Could not reach the demo server (${String(error)}). Is signet-server running?`);
  } finally {
    clearTimeout(timer);
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new DemoError("server", `The demo server answered with HTTP ${response.status} and no readable body.`);
  }
  if (!response.ok) throw errorFromBody(response.status, parsed);
  return parsed as T;
}

/** Reads the page's configuration. */
export function loadConfig(): Promise<DemoConfig> {
  return call<DemoConfig>("config");
}

/** Makes a fresh enrollment link for the user. */
export function enroll(userId: string): Promise<Enrollment> {
  return call<Enrollment>("enroll", { userId });
}

/** How many devices the user has enrolled now (to see an enrollment link used). */
export function devices(userId: string): Promise<Devices> {
  return call<Devices>("devices", { userId });
}

/** Tracks a sign-in for the user. */
export function signIn(userId: string, numberMatching: boolean): Promise<Tracked> {
  return call<Tracked>("sign-in", { userId, numberMatching });
}

/** Tracks a payment approval for the user. */
export function payment(
  userId: string,
  amount: string,
  merchant: string,
  numberMatching: boolean,
): Promise<Tracked> {
  return call<Tracked>("payment", { userId, amount, merchant, numberMatching });
}

/** Asks the backend to validate the token (docs/protocol.md section 5 `validate`). */
export function validate(token: string, userId: string, action: string): Promise<Validated> {
  return call<Validated>("validate", { token, userId, action });
}
