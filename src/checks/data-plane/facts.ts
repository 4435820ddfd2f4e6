// The data plane as one `check --proxy` run sees it: the meshed pods (one paged LIST), each proxy's
// certificate (live over port-forward, or its expiry from Prometheus), and every proxy's
// assessment, computed once and shared by the categories and `-o json`. Per-run state lives in the
// object this returns.
import type { X509Certificate } from "node:crypto";
import type { CertificateInfo, CertTools } from "../../certs/types.js";
import { mapBounded } from "../../concurrency.js";
import { HeapBudget } from "../../heap-budget.js";
import { noIdentityReason, podIdentity, proxyContainerOf } from "../../k8s/pods.js";
import { type Cluster, KubeApiError, type PodInfo } from "../../k8s/types.js";
import { memoize } from "../../memoize.js";
import { queryLeafExpiries } from "../../proxy/prometheus.js";
import { readServedChain } from "../../proxy/served-chain.js";
import { firstLine } from "../../shared/first-line.js";
import {
  CheckFailure,
  type DataPlaneFacts,
  type DataPlaneOptions,
  type IdentityMaterial,
  type ProxyAssessment,
  type ProxyFinding,
} from "../types.js";
import { assessProxy, expectedIdentity } from "./assess.js";
import { FIRST_SCRAPE_GRACE_MS, notAskedReason, proxyRunningFor } from "./pod-state.js";

/**
 * The JS heap `check --proxy` lets itself grow to while it talks to thousands of proxies (see
 * heap-budget.ts; the figures are in docs/performance.md).
 */
const HEAP_BUDGET_BYTES = 100 * 1024 * 1024;

/** What a run's data-plane facts are made from. */
export interface DataPlaneSources {
  cluster: Cluster;
  certs: () => Promise<CertTools>;
  controlPlaneNamespace: string;
  /** linkerd-config's values (for the trust domain). */
  linkerdValues: () => Promise<Record<string, unknown>>;
  /** The current issuer and anchors, which every leaf is judged against. */
  identity: () => Promise<IdentityMaterial>;
  now: () => Date;
}

export function createDataPlaneFacts(
  sources: DataPlaneSources,
  options: DataPlaneOptions,
): DataPlaneFacts {
  const { cluster, controlPlaneNamespace } = sources;
  const listMeshedPods = async () => {
    const selector = [`linkerd.io/control-plane-ns=${controlPlaneNamespace}`, options.selector]
      .filter(Boolean)
      .join(",");
    const pods = await cluster.listPods(options.namespace, { labelSelector: selector });
    return pods.filter((pod) => proxyContainerOf(pod) !== undefined);
  };
  const meshedPods = memoize(listMeshedPods);
  const trustDomain = memoize(async () => {
    const values = await sources.linkerdValues();
    return String(values.identityTrustDomain ?? "cluster.local");
  });

  /**
   * Findings for the Running meshed pods (others are the readiness check's business), each passed
   * to `judge` as soon as it is seen: a leaf's parsed certificate is let go once judged, so 5,000
   * proxies do not keep 5,000 OpenSSL certificates alive.
   */
  const proxies = async <T>(
    now: Date,
    judge: (finding: ProxyFinding) => Promise<T>,
  ): Promise<T[]> => {
    const leaves = options.leaves;
    if (leaves.kind === "off") return [];
    // Only proxies that should answer are asked: a pod being deleted may have stopped its proxy
    // already, and a proxy that is not ready may have no certificate yet (the proxy reports ready
    // once it has one). Asking them would fail a check in every rollout, with no retry; readiness
    // (retried under --wait, as Linkerd does) reports the proxies that stay unready.
    const skipped: ProxyFinding[] = [];
    const targets: Array<{ pod: PodInfo; identity: string }> = [];
    for (const pod of await meshedPods()) {
      if (pod.phase !== "Running") continue;
      const identity = podIdentity(pod) ?? "";
      const noIdentity = noIdentityReason(pod);
      const reason = notAskedReason(pod);
      if (noIdentity !== undefined)
        skipped.push({
          namespace: pod.namespace,
          pod: pod.name,
          identity,
          status: "no-identity",
          reason: noIdentity,
        });
      else if (reason === undefined) targets.push({ pod, identity });
      else
        skipped.push({
          namespace: pod.namespace,
          pod: pod.name,
          identity,
          status: "skipped",
          reason,
        });
    }
    const judgedSkipped = await Promise.all(skipped.map(judge));
    if (leaves.kind === "prometheus") {
      // Prometheus that cannot be asked is data meshlens could not read, not a mesh problem.
      const reported = await queryLeafExpiries(leaves.source, cluster).catch((error: unknown) => {
        // Forbidden is the runner's to report as a skip naming the permission.
        if (error instanceof KubeApiError && error.failure === "forbidden") throw error;
        throw new CheckFailure(firstLine(error), "access");
      });
      const byPod = new Map(reported.map((r) => [`${r.namespace}/${r.pod}`, r.expiresAt]));
      const findings = targets.map(({ pod, identity }): ProxyFinding => {
        const base = { namespace: pod.namespace, pod: pod.name, identity };
        const notAfter = byPod.get(`${pod.namespace}/${pod.name}`);
        if (notAfter !== undefined) return { ...base, status: "reported", notAfter };
        // A proxy that started moments ago has not been scraped yet: not a fault (yet).
        const runningFor = proxyRunningFor(pod, now);
        return runningFor !== undefined && runningFor < FIRST_SCRAPE_GRACE_MS
          ? {
              ...base,
              status: "skipped",
              reason: `its proxy started ${Math.max(0, Math.round(runningFor / 1000))}s ago, before Prometheus could scrape it`,
            }
          : {
              ...base,
              status: "unreachable",
              reason: "no certificate expiry reported to Prometheus for this pod",
            };
      });
      return [...judgedSkipped, ...(await Promise.all(findings.map(judge)))];
    }
    const certs = await sources.certs();
    // Every proxy presents the same issuer after its leaf: describe each distinct certificate once.
    const described = new Map<string, CertificateInfo>();
    const describe = (cert: X509Certificate): CertificateInfo => {
      const fingerprint = cert.fingerprint256;
      let info = described.get(fingerprint);
      if (info === undefined) {
        info = certs.parseCertificate(cert);
        described.set(fingerprint, info);
      }
      return info;
    };
    const heap = new HeapBudget(HEAP_BUDGET_BYTES);
    const see = async ({ pod, identity }: (typeof targets)[number]): Promise<ProxyFinding> => {
      const base = { namespace: pod.namespace, pod: pod.name, identity };
      const served = await readServedChain(cluster, pod, identity, leaves.timeoutMs, {
        leaf: (cert) => certs.parseCertificate(cert),
        intermediate: describe,
      });
      if (!served.ok)
        return {
          ...base,
          status: "unreachable",
          reason: served.reason,
          ...(served.forbidden ? { forbidden: served.forbidden } : {}),
        };
      return {
        ...base,
        status: "verified",
        leaf: served.leaf,
        intermediates: served.intermediates,
        notAfter: served.leaf.notAfter,
        ...(served.metrics ? { metrics: served.metrics } : {}),
      };
    };
    const probed = await mapBounded(
      targets,
      leaves.concurrency,
      async (target) => {
        const finding = await see(target);
        const judged = await judge(finding);
        if (finding.leaf !== undefined) certs.release(finding.leaf);
        return judged;
      },
      (done) => {
        if (done % 100 === 0) heap.check();
        options.onProgress?.(done, targets.length);
      },
    );
    return [...judgedSkipped, ...probed];
  };

  const assessments = memoize(async (): Promise<ProxyAssessment[]> => {
    // What every leaf is judged against, known before the first proxy is seen.
    const [domain, pods, material] = await Promise.all([
      trustDomain().catch(() => "cluster.local"),
      meshedPods(),
      sources.identity().catch(() => undefined),
    ]);
    const byName = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
    // The certificate code loads only when a leaf is checked against the issuer.
    const verifyChain: CertTools["verifyChain"] = async (...args) =>
      (await sources.certs()).verifyChain(...args);
    return proxies(sources.now(), (finding) => {
      const pod = byName.get(`${finding.namespace}/${finding.pod}`);
      const expected = pod && expectedIdentity(pod, controlPlaneNamespace, domain);
      // Each proxy is judged at the moment it is seen.
      const basis = {
        now: sources.now(),
        verifyChain,
        issuerMaterial: material,
        leafThreshold: options.leafThreshold,
      };
      return assessProxy(finding, expected, basis);
    });
  });

  let readinessAttempts = 0;
  return {
    options,
    meshedPods,
    listMeshedPods,
    trustDomain,
    assessments,
    nextReadinessAttempt: () => {
      readinessAttempts += 1;
      return readinessAttempts - 1;
    },
  };
}
