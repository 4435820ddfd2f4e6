// The simulated Linkerd-meshed cluster: object store + controllers + a real HTTPS API server + a
// kubeconfig, so the CLI reaches it exactly as it reaches a real cluster.

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { loadAll, dump as toYaml } from "js-yaml";
import { firstLine } from "../shared/first-line.js";
import { decodeCertificateBundle } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import { type ApiServer, SIM_USER, startApiServer } from "./api-server.js";
import { CLOCK_CONFIGMAP, clockConfigMap, refuseClockWrite, SimClock } from "./clock.js";
import { reconcileWorkloads } from "./controllers.js";
import { SimulatorError } from "./errors.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import { IdentityService } from "./identity-service.js";
import { daysFrom, issueCertificate } from "./pki.js";
import type { PodNetwork } from "./pod-network.js";
import { adminPortOf } from "./pod-proxy.js";
import { ProxyFleet } from "./proxies.js";
import { BOOTSTRAP_CLUSTER_ROLES } from "./rbac.js";
import { resourceTypeByKind } from "./resources.js";
import { buildScenario } from "./scenarios/build.js";
import { isScenarioName, scenarioNames } from "./scenarios/catalogue.js";
import { SCENARIO_BEHAVIOURS } from "./scenarios/definitions.js";
import { type ScenarioPki, WEBHOOKS } from "./scenarios/pki.js";
import { isKubeObject, type KubeObject, ObjectStore } from "./store.js";
import { type TapFault, TapServer } from "./tap-server.js";
import { declaredFlows, TrafficError } from "./traffic/flows.js";
import { reconcileBundles } from "./trust-manager.js";

export interface SimulatorOptions {
  /** A built-in scenario name (default `healthy`). */
  scenario?: string;
  /** Manifest files (YAML, multi-document); their objects replace same kind/namespace/name. */
  manifestFiles?: string[];
  /** Objects given directly, applied after the manifest files. */
  objects?: KubeObject[];
  /** A fault of linkerd-viz's tap server (tests, `demo --tap-fault`). */
  tapFault?: TapFault;
  /** Framed TapEvents every tap gets instead of the traffic's (tests replaying a recorded stream). */
  tapReplay?: Uint8Array;
  /** Families added to every proxy's /metrics (ProxyFleetOptions.metricsPadding). */
  proxyMetricsPadding?: string;
  /** Where to write the kubeconfig; required to use the simulator from another process. */
  kubeconfigPath?: string;
  port?: number;
  faults?: FaultRule[];
  clock?: () => Date;
  /**
   * Without `clock`: how many times faster than real time the simulated cluster's time runs (its
   * traffic counters and tap events follow it), so tests need not wait on real-time traffic.
   */
  timeScale?: number;
  /** For the `scale` scenario: how many meshed pods, across how many namespaces. */
  scale?: { pods: number; namespaces: number };
  /** Give every simulated proxy its own loopback port (for openssl, Prometheus). Default: up to 200 proxies. */
  proxyPorts?: boolean;
  /** Upstreams for the service proxy subresource, e.g. `linkerd-viz/prometheus:9090` -> a real Prometheus. */
  serviceUpstreams?: Record<string, string>;
}

export interface Simulator {
  url: string;
  kubeconfigPath: string | undefined;
  kubeconfig: string;
  token: string;
  store: ObjectStore;
  faults: FaultInjector;
  pki: ScenarioPki;
  api: ApiServer;
  proxies: ProxyFleet;
  /** The simulated cluster's time now (its clock ConfigMap moves it forward). */
  now: () => Date;
  close(): Promise<void>;
}

/** Parses YAML manifests into objects; `List` kinds are flattened, empty documents skipped. */
export function parseManifests(text: string, source: string): KubeObject[] {
  const objects: KubeObject[] = [];
  let documents: unknown[];
  try {
    documents = loadAll(text);
  } catch (error) {
    throw new SimulatorError(`${source}: invalid YAML: ${firstLine(error)}`);
  }
  for (const value of documents) {
    if (value === null || value === undefined) continue;
    const items = (value as { kind?: string }).kind?.endsWith("List")
      ? ((value as { items?: unknown[] }).items ?? [])
      : [value];
    for (const item of items) {
      if (!isKubeObject(item))
        throw new SimulatorError(`${source}: a document has no apiVersion, kind or metadata.name`);
      objects.push(item);
    }
  }
  return objects;
}

function withDefaultNamespace(object: KubeObject): KubeObject {
  const type = resourceTypeByKind(object.apiVersion, object.kind);
  if (type?.namespaced && object.metadata.namespace === undefined) {
    return { ...object, metadata: { ...object.metadata, namespace: "default" } };
  }
  return object;
}

function hasCertificate(base64: unknown): boolean {
  if (typeof base64 !== "string" || base64 === "") return false;
  const decoded = decodeCertificateBundle(Buffer.from(base64, "base64").toString("utf8"));
  return decoded.ok && decoded.value.length > 0;
}

/**
 * Installs rendered with `externalSecret: true` (linkerd2 install_default.golden) expect an external
 * party such as cert-manager to provide the webhook Secrets and inject each webhook's caBundle. The
 * simulator plays that part for the three Linkerd webhooks whose caBundle is not a certificate.
 */
function provideExternalWebhookCerts(store: ObjectStore, pki: ScenarioPki): void {
  const caBundle = Buffer.from(pki.webhookCa.certPem).toString("base64");
  for (const name of WEBHOOKS) {
    const kind =
      name === "proxy-injector" ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration";
    const config = store.get(
      { apiVersion: "admissionregistration.k8s.io/v1", kind },
      undefined,
      `linkerd-${name}-webhook-config`,
    );
    const webhooks =
      (config?.webhooks as
        | Array<{ clientConfig?: { caBundle?: string; service?: { namespace?: string } } }>
        | undefined) ?? [];
    if (config === undefined || webhooks.every((w) => hasCertificate(w.clientConfig?.caBundle)))
      continue;
    const namespace = webhooks[0]?.clientConfig?.service?.namespace ?? "linkerd";
    store.put({
      ...config,
      webhooks: webhooks.map((w) => ({ ...w, clientConfig: { ...w.clientConfig, caBundle } })),
    });
    if (
      store.get({ apiVersion: "v1", kind: "Secret" }, namespace, `linkerd-${name}-k8s-tls`) ===
      undefined
    ) {
      store.put({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: `linkerd-${name}-k8s-tls`,
          namespace,
          annotations: { "meshlens.dev/provided-by": "simulator (as cert-manager would)" },
        },
        type: "kubernetes.io/tls",
        data: {
          "tls.crt": Buffer.from(pki.webhooks[name].certPem).toString("base64"),
          "tls.key": Buffer.from(pki.webhooks[name].keyPem).toString("base64"),
        },
      });
    }
  }
}

export function renderKubeconfig(url: string, caPem: string, token: string): string {
  return toYaml(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "meshlens-sim",
          cluster: {
            server: url,
            "certificate-authority-data": Buffer.from(caPem).toString("base64"),
          },
        },
      ],
      users: [{ name: SIM_USER, user: { token } }],
      contexts: [{ name: "meshlens-sim", context: { cluster: "meshlens-sim", user: SIM_USER } }],
      "current-context": "meshlens-sim",
    },
    // As kubectl writes it: one line per value, the certificate data unfolded.
    { lineWidth: -1 },
  );
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simClock = new SimClock(options.clock ?? scaledClock(options.timeScale ?? 1));
  const clock = simClock.now;
  const now = clock();
  const scenarioName = options.scenario ?? "healthy";
  if (!isScenarioName(scenarioName)) {
    throw new SimulatorError(
      `unknown scenario "${scenarioName}"; scenarios: ${scenarioNames().join(", ")}`,
    );
  }
  const [scenario, serverCa] = await Promise.all([
    buildScenario(scenarioName, now, options.scale),
    issueCertificate({
      commonName: "meshlens-sim-ca",
      notBefore: daysFrom(now, -1),
      notAfter: daysFrom(now, 365),
      isCA: true,
    }),
  ]);
  const serverCert = await issueCertificate({
    commonName: "kube-apiserver",
    dnsNames: ["localhost", "kubernetes.default.svc"],
    ipAddresses: ["127.0.0.1"],
    notBefore: daysFrom(now, -1),
    notAfter: daysFrom(now, 365),
    serverAuth: true,
    signer: serverCa,
  });

  const store = new ObjectStore(now);
  // What every API server creates for itself; a scenario or the user may replace them.
  for (const object of [...BOOTSTRAP_CLUSTER_ROLES, clockConfigMap()]) store.put(object);
  for (const object of scenario.objects) store.put(withDefaultNamespace(object));
  for (const file of options.manifestFiles ?? []) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new SimulatorError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    for (const object of parseManifests(text, file)) store.put(withDefaultNamespace(object));
  }
  for (const object of options.objects ?? []) store.put(withDefaultNamespace(object));
  provideExternalWebhookCerts(store, scenario.pki);
  // The cluster has been running for a while: its pods started an hour ago, long enough for any
  // Prometheus to have scraped them (check --proxy --prometheus gives brand-new proxies a grace).
  reconcileWorkloads(store, rfc3339(new Date(now.getTime() - 3_600_000)));

  // The identity service holds the Secret's issuer as it stands now, or, when the scenario says
  // so, an earlier issuer it never stopped using.
  const identity = await IdentityService.start({
    store,
    namespace: "linkerd",
    clock,
    ...(SCENARIO_BEHAVIOURS[scenarioName].identityIssuer === "previous"
      ? { pinnedIssuer: scenario.pki.previousIssuer }
      : {}),
    ...(SCENARIO_BEHAVIOURS[scenarioName].leavesIssuer === "previous"
      ? { earlierIssuer: scenario.pki.previousIssuer }
      : {}),
  });
  // A Traffic object that does not parse is the user's mistake, said before anything listens.
  try {
    declaredFlows(store);
  } catch (error) {
    if (error instanceof TrafficError) throw new SimulatorError(error.message);
    throw error;
  }
  const proxies = new ProxyFleet({
    store,
    clock,
    identity,
    ...(options.proxyMetricsPadding ? { metricsPadding: options.proxyMetricsPadding } : {}),
  });
  if (options.proxyPorts ?? proxies.all().length <= 200) await proxies.listen();

  const faults = new FaultInjector();
  for (const rule of options.faults ?? []) faults.add(rule);
  const token = randomBytes(24).toString("base64url");
  const api = await startApiServer({
    store,
    faults,
    tap: new TapServer({
      store,
      clock,
      linksOf: (pod) => proxies.linksOf(pod),
      ...(options.tapFault ? { fault: options.tapFault } : {}),
      ...(options.tapReplay ? { replay: options.tapReplay } : {}),
    }),
    token,
    tls: { certPem: serverCert.certPem, keyPem: serverCert.keyPem },
    clock,
    pods: podNetwork(store, proxies),
    validateWrite: refuseClockWrite,
    // What the cluster does after a write, before it is answered: time may have moved;
    // trust-manager rewrites the bundle from its sources; a changed pod template rolls its pods, which the injector gives the trust bundle of that moment; the
    // identity controller restarts with its pod or weighs a new issuer; the proxies follow the pods.
    onWrite: async () => {
      simClock.follow(
        store.get(
          { apiVersion: "v1", kind: "ConfigMap" },
          CLOCK_CONFIGMAP.namespace,
          CLOCK_CONFIGMAP.name,
        ),
      );
      reconcileBundles(store, clock());
      reconcileWorkloads(store, rfc3339(clock()));
      await identity.sync();
      proxies.refresh();
    },
    serviceUpstreams: new Map(Object.entries(options.serviceUpstreams ?? {})),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const kubeconfig = renderKubeconfig(api.url, serverCa.certPem, token);
  if (options.kubeconfigPath !== undefined) {
    await mkdir(dirname(options.kubeconfigPath), { recursive: true });
    await writeFile(options.kubeconfigPath, kubeconfig, { mode: 0o600 });
  }
  return {
    url: api.url,
    kubeconfigPath: options.kubeconfigPath,
    kubeconfig,
    token,
    store,
    faults,
    pki: scenario.pki,
    api,
    proxies,
    now: clock,
    close: async () => {
      await api.close();
      await proxies.close();
    },
  };
}

/** The pod network as the API server reaches it: only the proxies' admin ports answer. */
function podNetwork(store: ObjectStore, proxies: ProxyFleet): PodNetwork {
  const refused = (namespace: string, pod: string, port: number) =>
    `error forwarding port ${port} to pod ${namespace}/${pod}: dial tcp4 127.0.0.1:${port}: connect: connection refused`;
  return {
    portForward(namespace, pod, port, socket) {
      const object = store.get({ apiVersion: "v1", kind: "Pod" }, namespace, pod);
      if ((object?.status as { phase?: string } | undefined)?.phase !== "Running")
        return `pod ${namespace}/${pod} is not running`;
      const proxy = proxies.find(namespace, pod);
      if (proxy === undefined || port !== adminPortOf(proxy.podObject) || proxy.fault === "refuse")
        return refused(namespace, pod, port);
      proxies.serveAdmin(proxy, socket);
      return undefined;
    },
    async proxyRequest(namespace, pod, port, pathAndQuery, method, response, acceptEncoding) {
      const proxy = proxies.find(namespace, pod);
      if (
        proxy === undefined ||
        port !== adminPortOf(proxy.podObject) ||
        proxy.fault === "refuse" ||
        proxy.fault === "garbage"
      )
        return false;
      if (proxy.fault === "hang") return true; // the request just never gets an answer
      await proxies.answer(proxy, method, pathAndQuery, response, acceptEncoding);
      return true;
    },
  };
}

/** Real time from now on, `scale` times as fast. */
function scaledClock(scale: number): () => Date {
  if (scale === 1) return () => new Date();
  const start = Date.now();
  return () => new Date(start + (Date.now() - start) * scale);
}
