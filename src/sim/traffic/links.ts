// The connections the declared flows make between pods, and how each proxy labels them: mTLS only
// between meshed proxies that trust each other, otherwise the reason (linkerd-facts.md 4.3).
import { adminPortOf, identityDisabled, podIdentity, proxyContainer } from "../pod-proxy.js";
import type { KubeObject, ObjectStore } from "../store.js";
import { declaredFlows, type Flow, type Protocol } from "./flows.js";
import { ownerOf } from "./labels.js";
/** One end of a link: a pod, and what its proxy (if any) looks like. */
export interface Endpoint {
  pod: KubeObject;
  namespace: string;
  ip: string;
  /** The pod has a proxy. */
  meshed: boolean;
  /** The proxy's identity; undefined for a pod without a proxy, or one without identity. */
  identity: string | undefined;
  /** Its proxy runs without identity. */
  identityDisabled: boolean;
  /** Its proxy's trust bundle holds an anchor of the mesh's current bundle (or it has no proxy). */
  trustsMesh: boolean;
}

/** Connections from one pod to another on one port, as both proxies count them. */
export interface Link {
  source: Endpoint;
  destination: Endpoint;
  targetPort: number;
  service: { namespace: string; name: string; port: number } | undefined;
  protocol: Protocol;
  /** Connections opened a second, and how many stay open. */
  connectionsPerSecond: number;
  open: number;
  requestsPerSecond: number;
  /** The response mix (status 0: the protocol's success, 200 or gRPC OK). */
  statuses: Flow["statuses"];
  method: string;
  paths: readonly string[];
  authority: string | undefined;
  resets: number;
  /** The source's proxy sees it (meshed and the port not skipped). */
  outboundSeen: boolean;
  /** The destination's proxy sees it (meshed and the port not skipped). */
  inboundSeen: boolean;
  /** Labels of the client side (TlsConnect) and the server side (TlsAccept). */
  tlsConnect: Record<string, string>;
  tlsAccept: Record<string, string>;
}

function annotationsOf(pod: KubeObject): Record<string, string> {
  return pod.metadata.annotations ?? {};
}

function portList(text: string | undefined): Set<number> {
  return new Set(
    (text ?? "")
      .split(",")
      .map((p) => Number(p.trim()))
      .filter((p) => Number.isInteger(p)),
  );
}

/** The certificates of a PEM bundle, as their base64 bodies (order and layout do not matter). */
function certificatesOf(pem: string): Set<string> {
  return new Set(
    [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(
      (match) => (match[1] ?? "").replace(/\s+/g, ""),
    ),
  );
}

/** The mesh's current trust anchors: the linkerd-identity-trust-roots ConfigMap. */
function meshAnchors(store: ObjectStore): Set<string> {
  const roots = store
    .list({ apiVersion: "v1", kind: "ConfigMap" })
    .find((cm) => cm.metadata.name === "linkerd-identity-trust-roots");
  return certificatesOf(
    (roots?.data as Record<string, string> | undefined)?.["ca-bundle.crt"] ?? "",
  );
}

/**
 * Whether the pod's proxy can verify the mesh's certificates: a bundle inline in its spec (a pod not
 * restarted after a rotation keeps the old one) must share an anchor with the current bundle; one
 * read from the trust-roots ConfigMap is the current bundle.
 */
function trustsMesh(pod: KubeObject, anchors: Set<string>): boolean {
  const variable = proxyContainer(pod)?.env?.find(
    (v) => v.name === "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
  );
  if (variable?.value === undefined) return true;
  return [...certificatesOf(variable.value)].some((certificate) => anchors.has(certificate));
}

function endpointOf(pod: KubeObject, anchors: Set<string>): Endpoint | undefined {
  const status = pod.status as { phase?: string; podIP?: string } | undefined;
  if (status?.phase !== "Running" || status.podIP === undefined) return undefined;
  return {
    pod,
    namespace: pod.metadata.namespace ?? "default",
    ip: status.podIP,
    meshed: proxyContainer(pod) !== undefined,
    identity: podIdentity(pod),
    identityDisabled: identityDisabled(pod),
    trustsMesh: trustsMesh(pod, anchors),
  };
}

function podsOfWorkload(store: ObjectStore, ref: Flow["from"], anchors: Set<string>): Endpoint[] {
  return store
    .list({ apiVersion: "v1", kind: "Pod" })
    .filter((pod) => (pod.metadata.namespace ?? "default") === ref.namespace)
    .filter((pod) => {
      if (ref.kind === "Pod") return pod.metadata.name === ref.name;
      const owner = ownerOf(store, pod);
      return owner?.kind === ref.kind && owner.name === ref.name;
    })
    .flatMap((pod) => endpointOf(pod, anchors) ?? []);
}

function selects(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function serviceTarget(
  store: ObjectStore,
  to: Extract<Flow["to"], { kind: "service" }>,
  anchors: Set<string>,
): Array<{ endpoint: Endpoint; targetPort: number }> {
  const service = store.get({ apiVersion: "v1", kind: "Service" }, to.namespace, to.name);
  const spec = service?.spec as
    | {
        selector?: Record<string, string>;
        ports?: Array<{ port: number; targetPort?: number | string }>;
      }
    | undefined;
  if (spec?.selector === undefined) return [];
  const port = spec.ports?.find((p) => p.port === to.port);
  if (port === undefined) return [];
  const targetPort = typeof port.targetPort === "number" ? port.targetPort : to.port;
  return store
    .list({ apiVersion: "v1", kind: "Pod" })
    .filter((pod) => (pod.metadata.namespace ?? "default") === to.namespace)
    .filter((pod) => selects(spec.selector ?? {}, pod))
    .flatMap((pod) => {
      const endpoint = endpointOf(pod, anchors);
      return endpoint ? [{ endpoint, targetPort }] : [];
    });
}

/** TlsConnect (client side) and TlsAccept (server side) labels for a connection (linkerd/tls). */
function tlsOf(
  source: Endpoint,
  destination: Endpoint,
  sourceMode: string | undefined,
  destinationSeen: boolean,
  byPodIp = false,
): { connect: Record<string, string>; accept: Record<string, string> } {
  let connect: Record<string, string>;
  if (source.identityDisabled) connect = { tls: "disabled" };
  else if (sourceMode === "ingress")
    connect = { tls: "no_identity", no_tls_reason: "ingress_without_override" };
  else if (
    destination.identity === undefined ||
    destination.identityDisabled ||
    !destinationSeen ||
    byPodIp
  )
    connect = { tls: "no_identity", no_tls_reason: "not_provided_by_service_discovery" };
  else connect = { tls: "true", server_id: destination.identity };
  let accept: Record<string, string>;
  if (destination.identityDisabled) accept = { tls: "disabled" };
  else if (connect.tls === "true" && source.identity !== undefined)
    accept = { tls: "true", client_id: source.identity };
  else accept = { tls: "no_identity", no_tls_reason: "no_tls_from_remote" };
  return { connect, accept };
}

/** Every link the flows make, from the store as it is now. */
export function trafficLinks(store: ObjectStore): Link[] {
  const flows = declaredFlows(store);
  const anchors = meshAnchors(store);
  const links: Link[] = [];
  for (const flow of flows) {
    const sources = podsOfWorkload(store, flow.from, anchors);
    const targets =
      flow.to.kind === "service"
        ? serviceTarget(store, flow.to, anchors)
        : store.list({ apiVersion: "v1", kind: "Pod" }).flatMap((pod) => {
            const port = adminPortOf(pod);
            const endpoint = port === undefined ? undefined : endpointOf(pod, anchors);
            return endpoint && port !== undefined ? [{ endpoint, targetPort: port }] : [];
          });
    if (targets.length === 0) continue;
    const service = flow.to.kind === "service" ? flow.to : undefined;
    for (const source of sources) {
      const annotations = annotationsOf(source.pod);
      const servicePort = service?.port;
      const skippedOut = portList(annotations["config.linkerd.io/skip-outbound-ports"]);
      for (const { endpoint: destination, targetPort } of targets) {
        if (destination.pod === source.pod) continue;
        const skippedIn = portList(
          annotationsOf(destination.pod)["config.linkerd.io/skip-inbound-ports"],
        );
        const outboundSeen = source.meshed && !skippedOut.has(servicePort ?? targetPort);
        const inboundSeen = destination.meshed && !skippedIn.has(targetPort);
        // mTLS between proxies that do not trust the same anchors fails in the handshake: the
        // client's proxy counts each attempt (labelled from discovery, before the handshake) and
        // none stays open or carries a request; the server's proxy never completes one.
        const handshakeFails =
          outboundSeen && inboundSeen && !(source.trustsMesh && destination.trustsMesh);
        const mode = annotationsOf(source.pod)["linkerd.io/inject"];
        // A connection that skips the source's proxy reaches the destination in plaintext.
        const tls = tlsOf(
          outboundSeen
            ? source
            : { ...source, meshed: false, identity: undefined, identityDisabled: false },
          destination,
          mode,
          inboundSeen,
          flow.by === "pod-ip",
        );
        const share = flow.rps / targets.length;
        // A client whose handshakes fail connects again; the long-lived connection never stays.
        const attempts = handshakeFails ? Math.max(share, 1) : 0;
        const opaque = portList(
          annotationsOf(destination.pod)["config.linkerd.io/opaque-ports"],
        ).has(targetPort);
        const protocol: Protocol = opaque ? "tcp" : flow.protocol;
        links.push({
          source,
          destination,
          targetPort,
          service,
          protocol,
          connectionsPerSecond: handshakeFails
            ? attempts
            : flow.connections === "short"
              ? share
              : 0,
          open: !handshakeFails && flow.connections === "long" ? 1 : 0,
          requestsPerSecond: handshakeFails || protocol === "tcp" ? 0 : share,
          statuses: flow.statuses,
          method: flow.method,
          paths: flow.paths,
          authority: flow.authority,
          resets: flow.resets,
          outboundSeen,
          inboundSeen: inboundSeen && !handshakeFails,
          tlsConnect: tls.connect,
          tlsAccept: tls.accept,
        });
      }
    }
  }
  return links;
}
