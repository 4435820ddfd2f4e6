// Tap as Linkerd's CLI does it (viz/tap/pkg, pkg/protohttp): POST the request to the aggregated API
// with the kubeconfig's credentials, then read frames as they arrive. Before streaming it says
// plainly what is missing (linkerd-viz's APIService), and its errors come in Linkerd's order: the
// `linkerd-error` header and its ApiError frame, a Status body, anything else, a stream cut short.
import { unlessAborted } from "../abort.js";
import { type Cluster, StreamAborted, StreamLost, type StreamResponse } from "../k8s/types.js";
import { decodeApiError, FrameReader, tapPath } from "../shared/tap-protocol.js";
import { decodeTapEvent, decodeTapEventTlsOnly, encodeTapRequest } from "./protocol.js";
import type { TapEvent, TapQuery } from "./types.js";

export const TAP_APISERVICE = "v1alpha1.tap.linkerd.io";

/** Something stopped the tap; its message is the whole story (Linkerd's words where it has them). */
export class TapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TapError";
  }
}

async function bodyOf(response: StreamResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** What the caller needs to hold to tap the target (the tap server's SubjectAccessReview). */
function permissionNeeded(query: TapQuery): string {
  const scope = query.target.namespace ? ` in namespace "${query.target.namespace}"` : "";
  return `needs RBAC permission "watch" on "${query.target.type}s/tap" in API group "tap.linkerd.io"${scope}`;
}

/**
 * Linkerd's protohttp.CheckIfResponseHasError, in its order, plus the tap server's own refusal:
 * its SubjectAccessReview failing is a 403 with a JSON `{"error": ...}` body (renderJSONError in
 * viz/tap/api/handlers.go), where the API server's own 403 is a Status. Every refusal names the
 * permission.
 */
export async function failureOf(
  response: StreamResponse,
  query: TapQuery,
): Promise<string | undefined> {
  const withHint = (message: string) =>
    response.status === 403 ? `${message}; ${permissionNeeded(query)}` : message;
  const linkerdError = response.header("linkerd-error");
  if (linkerdError !== undefined) {
    const body = await bodyOf(response);
    const [frame] = new FrameReader().push(body);
    return withHint(frame ? decodeApiError(frame) : linkerdError);
  }
  if (response.status === 200) return undefined;
  const text = (await bodyOf(response)).toString("utf8");
  let parsed: { kind?: unknown; message?: unknown; error?: unknown } | undefined;
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // neither a Status nor the tap server's JSON error
  }
  if (typeof parsed?.error === "string") return withHint(parsed.error);
  if (parsed?.kind === "Status" && typeof parsed.message === "string")
    return withHint(`HTTP error, status Code [${response.status}] (${parsed.message})`);
  return withHint(
    `HTTP error, status Code [${response.status}] (unexpected API response: ${text.trim().slice(0, 200)})`,
  );
}

/** The APIService must be there and Available: said in words instead of the API server's 404/503. */
async function checkTapApi(cluster: Cluster): Promise<void> {
  const service = await cluster.getAPIService(TAP_APISERVICE);
  if (service === undefined)
    throw new TapError(
      `linkerd-viz's tap API is not installed (no APIService ${TAP_APISERVICE}): install linkerd-viz, e.g. linkerd viz install | kubectl apply -f -`,
    );
  const available = service.conditions.find((c) => c.type === "Available");
  if (available?.status !== "True")
    throw new TapError(
      `linkerd-viz's tap API (APIService ${TAP_APISERVICE}) is not available${available?.message ? `: ${available.message}` : ""}`,
    );
}

/** How a stream ended: the caller stopped it, the server ended it, or it broke off. */
export type TapOutcome =
  | { kind: "stopped" }
  | { kind: "ended" }
  /** `reason` in a few words (for the reconnect line); `message`, the whole story. */
  | { kind: "interrupted"; reason: string; message: string };

export interface TapHandlers {
  /** Gets each event as its frame completes; returns false to stop. */
  onEvent: (event: TapEvent) => boolean;
  /** The frames that arrived together are done (a moment to write what was rendered). */
  onPause?: () => void;
  /** The server accepted the tap: events follow. */
  onOpen?: () => void;
}

/**
 * Streams the tap until the server ends it, it breaks off, or the caller stops (or `signal`
 * aborts). A refusal, or a failure the tap server reports, is a TapError.
 */
export async function watchTap(
  cluster: Cluster,
  query: TapQuery,
  handlers: TapHandlers,
  signal: AbortSignal,
  /** The output prints no label but `tls`: the label maps need not be decoded. */
  tlsOnly = false,
): Promise<TapOutcome> {
  const { onEvent, onPause = () => undefined } = handlers;
  const stopped: TapOutcome = { kind: "stopped" };
  const decode = tlsOnly ? decodeTapEventTlsOnly : decodeTapEvent;
  await unlessAborted(checkTapApi(cluster), signal);
  if (signal.aborted) return stopped;
  let response: StreamResponse;
  try {
    response = await cluster.postStream(
      tapPath(query.target),
      encodeTapRequest(query),
      {
        verb: "watch",
        resource: `${query.target.type}s/tap`,
        ...(query.target.namespace ? { namespace: query.target.namespace } : {}),
        name: query.target.name,
      },
      signal,
    );
  } catch (error) {
    if (error instanceof StreamAborted) return stopped;
    if (error instanceof StreamLost)
      return { kind: "interrupted", reason: "connection reset", message: error.message };
    throw error;
  }
  let failure: string | undefined;
  try {
    failure = await failureOf(response, query);
  } catch (error) {
    // The stop came while an error's body was read.
    if (signal.aborted) return stopped;
    throw error;
  }
  if (failure !== undefined) throw new TapError(failure);
  const body = response.body;
  if (signal.aborted) {
    body.destroy();
    return stopped;
  }
  handlers.onOpen?.();
  const reader = new FrameReader();
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (how: TapOutcome) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      body.destroy();
      resolve(how);
    };
    const interrupted = (reason: string, message: string) =>
      finish({ kind: "interrupted", reason, message });
    const fail = (message: string) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      body.destroy();
      reject(new TapError(message));
    };
    const onAbort = () => finish(stopped);
    signal.addEventListener("abort", onAbort, { once: true });
    body.on("data", (chunk: Buffer) => {
      if (done) return;
      for (const frame of reader.push(chunk)) {
        let event: TapEvent;
        try {
          event = decode(frame);
        } catch {
          // A server that fails after streaming appends an ApiError frame (linkerd-facts.md 3.2).
          return fail(`the tap server failed: ${apiErrorText(frame) ?? "an undecodable frame"}`);
        }
        if (event.http === undefined && event.direction === "UNKNOWN") {
          const text = apiErrorText(frame);
          if (text !== undefined) return fail(`the tap server failed: ${text}`);
        }
        if (!onEvent(event)) {
          onPause();
          return finish(stopped);
        }
      }
      onPause();
    });
    const cut = () =>
      reader.pending > 0
        ? interrupted(
            "connection reset",
            "error reading byte stream header: unexpected EOF (the stream ended in the middle of a frame)",
          )
        : finish({ kind: "ended" });
    body.on("end", cut);
    body.on("aborted", () =>
      interrupted("connection reset", "error reading byte stream header: unexpected EOF"),
    );
    body.on("error", (error) =>
      interrupted(connectionWords(error), `error reading byte stream: ${error.message}`),
    );
    body.on("close", () => {
      if (!done) cut();
    });
  });
}

/** A broken stream's cause in a few words: Node's code for it, or its message. */
function connectionWords(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up|aborted/.test(error.message))
    return "connection reset";
  return error.message;
}

/** The text of a frame that is an ApiError rather than a TapEvent, if it reads as one. */
function apiErrorText(frame: Uint8Array): string | undefined {
  try {
    const text = decodeApiError(frame);
    // A TapEvent's bytes read as an ApiError give binary garbage, not text.
    return text !== "" && [...text].every((c) => c >= " " || c === "\t" || c === "\n")
      ? text
      : undefined;
  } catch {
    return undefined;
  }
}
