// Failed API calls as KubeApiErrors whose messages say what to do. Free of @kubernetes/client-node:
// the port-forwards (port-forward.ts) name a refused upgrade exactly as the API calls do.

import { firstLine } from "../shared/first-line.js";
import { CredentialPluginError } from "./exec-credentials.js";
import { describeTarget, KubeApiError, type RequestTarget } from "./types.js";

/** The `message` of a Kubernetes Status body, when there is one. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === "string" ? message : undefined;
}

/** Whether a body is a Kubernetes Status, as the API server words its own refusals. */
function isStatus(body: unknown): boolean {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return false;
    }
  }
  return (parsed as { kind?: unknown } | undefined)?.kind === "Status";
}

/**
 * The permission a forbidden request needed, in kubectl's words:
 * `get secrets "linkerd-identity-issuer" in namespace "linkerd"`, `list pods at the cluster scope`.
 */
export function permissionNeeded(target: RequestTarget): string {
  const name = target.name === undefined ? "" : ` "${target.name}"`;
  const scope =
    target.namespace === undefined ? "at the cluster scope" : `in namespace "${target.namespace}"`;
  return `${target.verb} ${target.resource}${name} ${scope}`;
}

/**
 * Reads that RBAC may forbid without stopping the rest: `unlessForbidden(read)` gives undefined
 * for a forbidden read and keeps the permission it needed in `unread`, in kubectl's words.
 */
export function forbiddenReads(): {
  unread: Set<string>;
  unlessForbidden<T>(read: Promise<T>): Promise<T | undefined>;
} {
  const unread = new Set<string>();
  return {
    unread,
    unlessForbidden: (read) =>
      read.catch((error: unknown) => {
        if (!(error instanceof KubeApiError) || error.failure !== "forbidden") throw error;
        unread.add(permissionNeeded(error.target));
        return undefined;
      }),
  };
}

/** The API server answered with an HTTP error status. */
export function statusError(
  code: number,
  body: unknown,
  target: RequestTarget,
  server: string,
): KubeApiError {
  if (code === 401) {
    return new KubeApiError(
      "unauthorized",
      `the API server at ${server} rejected the kubeconfig's credentials (401 Unauthorized)`,
      target,
      code,
    );
  }
  // Through a proxy subresource the API server relays what the pod answered: a 403 that is not the
  // API server's own Status came from the pod (a Linkerd proxy's inbound policy), not from RBAC.
  if (code === 403 && target.resource.endsWith("/proxy") && !isStatus(body)) {
    const said = typeof body === "string" ? firstLine(body).trim() : "";
    return new KubeApiError(
      "other",
      `cannot ${target.verb} ${describeTarget(target)}: the pod answered 403 Forbidden${said ? ` (${said})` : ""}`,
      target,
      code,
    );
  }
  if (code === 403) {
    const scope =
      target.namespace === undefined ? "cluster-wide" : `in namespace "${target.namespace}"`;
    return new KubeApiError(
      "forbidden",
      `forbidden: cannot ${target.verb} ${describeTarget(target)}; needs RBAC permission "${target.verb}" on "${target.resource}" ${scope}`,
      target,
      code,
    );
  }
  return new KubeApiError(
    code >= 500 ? "server-error" : "other",
    `cannot ${target.verb} ${describeTarget(target)}: ${statusMessage(body) ?? `HTTP ${code}`}`,
    target,
    code,
  );
}

/** OpenSSL's codes for a server certificate the kubeconfig's CA does not vouch for. */
const UNTRUSTED_CERTIFICATE = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
]);

/**
 * OpenSSL's codes for an answer that is not TLS at all: a plain-HTTP port, or another protocol
 * (kubectl: "http: server gave HTTP response to HTTPS client").
 */
const NOT_TLS = new Set([
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "ERR_SSL_PACKET_LENGTH_TOO_LONG",
  "ERR_SSL_UNKNOWN_PROTOCOL",
  "ERR_SSL_HTTP_REQUEST",
]);

/** No HTTP answer at all: the connection failed. */
export function unreachableError(
  error: unknown,
  target: RequestTarget,
  server: string,
): KubeApiError {
  // No request was sent: the kubeconfig's credential plugin failed first.
  if (error instanceof CredentialPluginError)
    return new KubeApiError("unauthorized", firstLine(error), target);
  const reason = /reason: (.*)$/.exec(firstLine(error))?.[1] ?? firstLine(error);
  // kubectl: "x509: certificate signed by unknown authority"; OpenSSL's words alone do not say whose.
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" && UNTRUSTED_CERTIFICATE.has(code))
    return new KubeApiError(
      "unreachable",
      `cannot trust the Kubernetes API at ${server}: its certificate is not signed by the kubeconfig's certificate-authority (${reason})`,
      target,
    );
  if ((typeof code === "string" && NOT_TLS.has(code)) || /wrong version number/.test(reason))
    return new KubeApiError(
      "unreachable",
      `the server at ${server} does not speak HTTPS (its answer is not TLS): is the kubeconfig's server URL right?`,
      target,
    );
  if (code === "CERT_HAS_EXPIRED")
    return new KubeApiError(
      "unreachable",
      `cannot trust the Kubernetes API at ${server}: its certificate has expired`,
      target,
    );
  return new KubeApiError(
    "unreachable",
    `cannot reach the Kubernetes API at ${server}: ${reason}`,
    target,
  );
}
