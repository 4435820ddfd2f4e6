// What the simulated API server does when a fault fires (faults.ts): the answers and behaviour of a
// real kube-apiserver under load, during a roll-out or after an etcd compaction.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type StatusBody, statusBody } from "./api-status.js";
import type { Fault } from "./faults.js";

/** kube-apiserver's words for a 410 on a stale continue token (storage/errors.go). */
const EXPIRED_CONTINUE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export interface FaultSite {
  request: IncomingMessage;
  response: ServerResponse;
  /** The Status bodies of the statuses a fault can answer with, for this request. */
  refusal(status: 401 | 403 | 404 | 500): StatusBody;
  /** Closes every connection and stops listening for `ms`. */
  restart(ms: number): void;
  /** The request's bearer token is accepted no more. */
  revokeToken(): void;
}

function sendStatus(
  response: ServerResponse,
  body: StatusBody,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(body.code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Applies the faults that fire on a request, in order; true when one of them answered it. */
export async function applyFaults(faults: Fault[], site: FaultSite): Promise<boolean> {
  for (const fault of faults) {
    switch (fault.kind) {
      case "delay":
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
      case "drop":
        site.request.socket.destroy();
        return true;
      case "restart":
        site.restart(fault.ms);
        return true;
      case "status":
        sendStatus(site.response, site.refusal(fault.status));
        return true;
      case "expire-token":
        site.revokeToken();
        sendStatus(site.response, site.refusal(401));
        return true;
      case "expire-continue":
        sendStatus(site.response, statusBody(410, "Expired", EXPIRED_CONTINUE));
        return true;
      case "retry-after": {
        // API Priority and Fairness' answer, and a server that is not ready (a roll-out).
        const body =
          fault.status === 429
            ? statusBody(429, "TooManyRequests", "Too many requests, please try again later.")
            : statusBody(
                503,
                "ServiceUnavailable",
                "The server is currently unable to handle the request",
              );
        sendStatus(
          site.response,
          { ...body, details: { ...body.details, retryAfterSeconds: fault.seconds } },
          { "Retry-After": String(fault.seconds) },
        );
        return true;
      }
    }
  }
  return false;
}
