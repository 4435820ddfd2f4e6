// linkerd-viz's tap server, behind the simulated API server's aggregated API `tap.linkerd.io/v1alpha1`
// (linkerd-facts.md 3.2): it decodes the TapByResourceRequest, rejects one that does not match the
// URL, finds the meshed pods of the target, and streams length-prefixed TapEvents made from the
// traffic model, as each tapped proxy would see its requests (inbound and outbound), filtered by
// the request's matches and limited by maxRps as the real server splits it over the pods.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import { matchesSelector, parseLabelSelector, SelectorError } from "../shared/label-selector.js";
import { decodeTapRequest, encodeApiError, encodeFrame, tapPath } from "../shared/tap-protocol.js";
import { podIdentity } from "./pod-proxy.js";
import { authorize, type UserInfo } from "./rbac.js";
import { requestBody } from "./request-body.js";
import type { KubeObject, ObjectStore } from "./store.js";
import { type Exchange, exchangeEvents, matcherOf, matches } from "./tap-events.js";
import type { TapFault } from "./tap-faults.js";
import { ownerOf } from "./traffic/labels.js";
import type { Link } from "./traffic/links.js";

export type { TapFault } from "./tap-faults.js";

export interface TapServerOptions {
  store: ObjectStore;
  /** The simulator's clock: events are paced in its time. */
  clock: () => Date;
  linksOf: (pod: KubeObject) => readonly Link[];
  fault?: TapFault;
  /** Framed TapEvents to send, once, instead of the traffic's (tests replaying recorded streams). */
  replay?: Uint8Array;
}

const PREFIX = "/apis/tap.linkerd.io/v1alpha1";
const TYPES = [
  "cronjob",
  "daemonset",
  "deployment",
  "job",
  "namespace",
  "pod",
  "replicaset",
  "replicationcontroller",
  "statefulset",
];

/**
 * The tap server's error: the `linkerd-error` header (the status' text) and one ApiError frame with
 * the message (pkg/protohttp WriteErrorToHTTPResponse).
 */
function tapError(response: ServerResponse, status: number, message: string): void {
  const body = encodeFrame(encodeApiError(message));
  response.writeHead(status, {
    "content-type": "application/octet-stream",
    "linkerd-error": STATUS_CODES[status] ?? String(status),
    "content-length": body.length,
  });
  response.end(body);
}

/** The tap server's own refusals before streaming: a JSON `{"error": ...}` (renderJSONError). */
function jsonError(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: message });
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

/** Kinds of the tap targets and how the API server qualifies them in errors. */
const TARGET_KINDS: Record<string, { apiVersion: string; kind: string; qualified: string }> = {
  cronjob: { apiVersion: "batch/v1", kind: "CronJob", qualified: "cronjobs.batch" },
  daemonset: { apiVersion: "apps/v1", kind: "DaemonSet", qualified: "daemonsets.apps" },
  deployment: { apiVersion: "apps/v1", kind: "Deployment", qualified: "deployments.apps" },
  job: { apiVersion: "batch/v1", kind: "Job", qualified: "jobs.batch" },
  namespace: { apiVersion: "v1", kind: "Namespace", qualified: "namespaces" },
  pod: { apiVersion: "v1", kind: "Pod", qualified: "pods" },
  replicaset: { apiVersion: "apps/v1", kind: "ReplicaSet", qualified: "replicasets.apps" },
  replicationcontroller: {
    apiVersion: "v1",
    kind: "ReplicationController",
    qualified: "replicationcontrollers",
  },
  statefulset: { apiVersion: "apps/v1", kind: "StatefulSet", qualified: "statefulsets.apps" },
};

/** Pods of the target: the workload's, the pod, or the namespace's; meshed and Running. */
function targetPods(
  store: ObjectStore,
  type: string,
  namespace: string,
  name: string,
  selector: string,
) {
  const ns = type === "namespace" ? name : namespace;
  const wanted = parseLabelSelector(selector);
  return store
    .list({ apiVersion: "v1", kind: "Pod" }, ns)
    .filter((pod) => (pod.status as { phase?: string } | undefined)?.phase === "Running")
    .filter((pod) => podIdentity(pod) !== undefined)
    .filter((pod) => matchesSelector(wanted, pod.metadata.labels))
    .filter((pod) => {
      if (type === "namespace") return true;
      if (type === "pod") return pod.metadata.name === name;
      const owner = ownerOf(store, pod);
      return owner?.kind.toLowerCase() === type && owner.name === name;
    });
}

export class TapServer {
  private readonly options: TapServerOptions;
  /** Streams served so far (the *-first faults touch only the first). */
  private streams = 0;

  constructor(options: TapServerOptions) {
    this.options = options;
  }

  /** linkerd-viz's APIService, which makes the API server pass tap requests here. */
  private apiService(): KubeObject | undefined {
    return this.options.store.get(
      { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService" },
      undefined,
      "v1alpha1.tap.linkerd.io",
    );
  }

  /** The API server's group list with tap.linkerd.io in it, while its APIService is registered. */
  withGroup(groups: unknown): unknown {
    const list = groups as { groups: unknown[] };
    if (this.apiService() === undefined) return groups;
    const version = { groupVersion: "tap.linkerd.io/v1alpha1", version: "v1alpha1" };
    return {
      ...list,
      groups: [
        ...list.groups,
        { name: "tap.linkerd.io", versions: [version], preferredVersion: version },
      ],
    };
  }

  /** Serves `request` when it is for the tap API; false otherwise. */
  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    user: UserInfo,
  ): Promise<boolean> {
    if (!path.startsWith(PREFIX)) return false;
    const service = this.apiService();
    const available = (
      service?.status as { conditions?: Array<{ type: string; status: string }> } | undefined
    )?.conditions?.some((c) => c.type === "Available" && c.status === "True");
    if (service === undefined) return false; // the API server's own 404
    if (!available) {
      const body = JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "service unavailable",
        reason: "ServiceUnavailable",
        code: 503,
      });
      response.writeHead(503, { "content-type": "application/json" }).end(body);
      return true;
    }
    if (path === PREFIX && request.method === "GET") {
      const body = JSON.stringify({
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: "tap.linkerd.io/v1alpha1",
        resources: TYPES.map((type) => ({
          name: `${type}s/tap`,
          namespaced: type !== "namespace",
          kind: "Tap",
          verbs: ["watch"],
        })),
      });
      response.writeHead(200, { "content-type": "application/json" }).end(body);
      return true;
    }
    const match =
      /^\/apis\/tap\.linkerd\.io\/v1alpha1\/watch\/namespaces\/([^/]+)(?:\/([a-z]+)s\/([^/]+))?\/tap$/.exec(
        path,
      );
    if (match === null || request.method !== "POST") {
      tapError(response, 404, `unknown tap path ${path}`);
      return true;
    }
    const body = await requestBody(request);
    let tap: ReturnType<typeof decodeTapRequest>;
    try {
      tap = decodeTapRequest(body);
    } catch (error) {
      tapError(response, 400, `cannot decode the tap request: ${(error as Error).message}`);
      return true;
    }
    const resource = tap.target?.resource;
    const target = {
      type: resource?.type ?? "",
      name: resource?.name ?? "",
      namespace: resource?.namespace ?? "",
    };
    if (tapPath(target) !== path) {
      tapError(response, 400, "tap request body did not match APIServer URL");
      return true;
    }
    // The tap server's own SubjectAccessReview of the user the API server passes on (handlers.go):
    // watch on the target's `tap` subresource in tap.linkerd.io.
    const review = {
      kind: "resource" as const,
      verb: "watch",
      group: "tap.linkerd.io",
      resource: `${target.type}s`,
      subresource: "tap",
      namespace: target.type === "namespace" ? target.name : target.namespace,
      name: target.type === "namespace" ? undefined : target.name,
    };
    if (
      this.options.fault === "forbidden" ||
      (user.groups.includes("system:masters")
        ? false
        : !authorize(this.options.store, user, review))
    ) {
      jsonError(
        response,
        403,
        `tap authorization failed (not authorized to access ${target.type}s.tap.linkerd.io), visit https://linkerd.io/tap-rbac for more information`,
      );
      return true;
    }
    // GetObjects: a target that does not exist is the API's NotFound, in its words.
    const kind = TARGET_KINDS[target.type];
    if (
      kind !== undefined &&
      this.options.store.get(
        kind,
        target.type === "namespace" ? undefined : target.namespace,
        target.name,
      ) === undefined
    ) {
      tapError(response, 404, `${kind.qualified} "${target.name}" not found`);
      return true;
    }
    let pods: KubeObject[];
    try {
      pods = targetPods(
        this.options.store,
        target.type,
        target.namespace,
        target.name,
        tap.target?.labelSelector ?? "",
      );
    } catch (error) {
      // getLabelSelector's InvalidArgument (grpc_server.go), as protohttp writes it.
      if (!(error instanceof SelectorError)) throw error;
      tapError(response, 400, error.message);
      return true;
    }
    if (pods.length === 0) {
      tapError(response, 404, `no pods to tap for ${target.type}/${target.name}`);
      return true;
    }
    if (this.options.replay !== undefined) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(this.options.replay);
      return true;
    }
    this.stream(response, pods, tap);
    return true;
  }

  /**
   * Streams the events the tapped pods' traffic makes, paced by the simulator's clock (a test may
   * run it faster than real time): each flow's rate in simulated seconds, at most maxRps split over
   * the pods per simulated second (viz/tap/api/grpc_server.go).
   */
  private stream(
    response: ServerResponse,
    pods: KubeObject[],
    tap: ReturnType<typeof decodeTapRequest>,
  ): void {
    const { store, clock } = this.options;
    const matcher = matcherOf(tap);
    const headers = tap.extract?.http?.headers != null;
    const maxRps = tap.maxRps || 100;
    const perPod = Math.max(1, Math.floor(maxRps / pods.length));
    const exchanges = pods.flatMap((pod) =>
      this.options.linksOf(pod).flatMap((link): Exchange[] => {
        if (link.requestsPerSecond === 0) return [];
        const out: Exchange[] = [];
        if (link.source.pod === pod && link.outboundSeen && matches(store, link, matcher, true))
          out.push({ link, direction: 2 });
        if (
          link.destination.pod === pod &&
          link.inboundSeen &&
          matches(store, link, matcher, false)
        )
          out.push({ link, direction: 1 });
        return out;
      }),
    );
    // Headers leave with the first event, as the real server's streaming writer sends them.
    response.writeHead(200, { "content-type": "application/octet-stream" });
    let connection = 0;
    const credit = new Map<Exchange, number>();
    const sent = new Map<KubeObject, number>();
    let events = 0;
    this.streams += 1;
    const first = this.streams === 1;
    const tickMs = this.options.fault === "slow" ? 500 : 50;
    let window = clock().getTime();
    let last = window;
    const timer = setInterval(() => {
      const now = clock().getTime();
      const elapsedMs = now - last;
      last = now;
      if (now - window >= 1000) {
        window = now;
        sent.clear();
      }
      for (const exchange of exchanges) {
        const pod =
          exchange.direction === 2 ? exchange.link.source.pod : exchange.link.destination.pod;
        let c = (credit.get(exchange) ?? 0) + (exchange.link.requestsPerSecond * elapsedMs) / 1000;
        while (c >= 1 && (sent.get(pod) ?? 0) < perPod) {
          c -= 1;
          sent.set(pod, (sent.get(pod) ?? 0) + 1);
          connection += 1;
          for (const event of exchangeEvents(store, exchange, connection, headers, matcher.path)) {
            response.write(encodeFrame(event));
            events += 1;
            if (this.options.fault === "error-midstream" && events === 3) {
              // After events were streamed the headers are gone: the error comes as one more frame.
              response.end(encodeFrame(encodeApiError("simulated tap server failure")));
              clearInterval(timer);
              return;
            }
            if (first && this.options.fault === "end-first" && events === 3) {
              response.end();
              clearInterval(timer);
              return;
            }
            if (first && this.options.fault === "reset-first" && events === 3) {
              response.write(Buffer.alloc(0), () => response.socket?.destroy());
              clearInterval(timer);
              return;
            }
            if (this.options.fault === "cut-midframe" && events === 3) {
              const next = encodeFrame(event);
              // Cut once what came before has left: the client gets whole frames, then half of one.
              response.write(next.subarray(0, Math.floor(next.length / 2)), () =>
                setTimeout(() => response.socket?.destroy(), 20),
              );
              clearInterval(timer);
              return;
            }
          }
        }
        credit.set(exchange, Math.min(c, 5 + (exchange.link.requestsPerSecond * elapsedMs) / 1000));
      }
    }, tickMs);
    response.on("close", () => clearInterval(timer));
  }
}
