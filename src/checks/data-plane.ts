// `check --proxy`: Linkerd's data-plane checks (linkerd-facts.md 1.7, 1.9), done on parsed
// certificates instead of strings, plus what Linkerd never looks at: the leaf every proxy really
// serves (linkerd/linkerd2#15109, #7449, #7484).

import { createHash, type X509Certificate } from "node:crypto";
import type { CertificateInfo, CertTools } from "../certs/types.js";
import { HeapBudget } from "../heap-budget.js";
import { noIdentityReason, podIdentity, proxyContainerOf, proxyStatusOf } from "../k8s/pods.js";
import type { Cluster, ConfigMapInfo, PodInfo } from "../k8s/types.js";
import { memoize } from "../memoize.js";
import { mapBounded, probeProxy } from "../proxy/admin-client.js";
import type { ProxyIdentityMetrics } from "../proxy/metrics.js";
import { type PrometheusSource, queryLeafExpiries } from "../proxy/prometheus.js";
import { firstLine } from "../shared/first-line.js";
import { decodeCertificateBundle } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import { API_QUERY, clusterOf } from "./control-plane.js";
import { type ExpiryThreshold, isExpiringSoon, thresholdPhrase } from "./expiry.js";
import { linkerdValuesOf } from "./facts.js";
import {
  type CategoryDefinition,
  type CheckContext,
  CheckFailure,
  type CheckOutcome,
  MESHLENS_HINT_BASE,
} from "./types.js";

/**
 * The JS heap `check --proxy` lets itself grow to while it talks to thousands of proxies (see
 * heap-budget.ts). Measured on 5,011 simulated proxies, A/B in one run, leaves released as judged:
 * V8's own schedule peaked at 288-293 MB RSS; with this budget 211-224 MB, for ~3% more CPU.
 */
const HEAP_BUDGET_BYTES = 100 * 1024 * 1024;

export const IDENTITY_DATA_PLANE = "linkerd-identity-data-plane";
export const DATA_PLANE = "linkerd-data-plane";
/**
 * Every per-pod check needs the `-n` namespace to exist: in a mistyped one they would all pass on
 * zero pods. Linkerd stops the whole run at this fatal check; meshlens skips what depends on it.
 */
const NAMESPACE_EXISTS = `${DATA_PLANE}/namespace-exists`;
const CERT_CONFIG = "linkerd-identity/cert-config-valid";
const TRUST_ROOTS = "linkerd-identity-trust-roots";

export interface DataPlaneOptions {
  /** Undefined: all namespaces, as Linkerd. */
  namespace: string | undefined;
  selector: string | undefined;
  /** How the proxies' certificates are seen: live over port-forward, from Prometheus, or not at all. */
  leaves:
    | { kind: "live"; concurrency: number; timeoutMs: number }
    | { kind: "prometheus"; source: PrometheusSource }
    | { kind: "off" };
  leafThreshold: ExpiryThreshold;
  onProgress?: (done: number, total: number) => void;
}

/** What meshlens found about one proxy; `-o json` lists these. */
export interface ProxyFinding {
  namespace: string;
  pod: string;
  identity: string;
  /**
   * skipped: not probed, the pod is terminating or its proxy not ready (`reason` says which);
   * no-identity: the proxy has none to serve (identity disabled), said in `reason`.
   */
  status: "verified" | "reported" | "unreachable" | "skipped" | "no-identity";
  reason?: string;
  /** Unreachable because RBAC forbids port-forwarding to it. */
  forbidden?: true;
  leaf?: CertificateInfo;
  /** The certificates presented after the leaf. */
  intermediates?: CertificateInfo[];
  /** Expiry of the leaf: from the leaf itself, or as reported to Prometheus. */
  notAfter?: Date;
  metrics?: ProxyIdentityMetrics;
}

export interface DataPlaneFacts {
  options: DataPlaneOptions;
  meshedPods(): Promise<PodInfo[]>;
  trustDomain(): Promise<string>;
  /** A fresh LIST, for retries. */
  listMeshedPods(): Promise<PodInfo[]>;
  /**
   * Findings for the Running meshed pods (others are the readiness check's business; terminating
   * pods and unready proxies are listed as skipped, not asked), each passed
   * to `judge` as soon as it is seen: a leaf's parsed certificate is let go once judged, so 5,000
   * proxies do not keep 5,000 OpenSSL certificates (~11 KB each with the presented chain) alive.
   * Expensive: call once (proxyAssessments does).
   */
  proxies<T>(now: Date, judge: (finding: ProxyFinding) => Promise<T>): Promise<T[]>;
}

export function createDataPlaneFacts(
  cluster: Cluster,
  loadCertTools: () => Promise<CertTools>,
  controlPlaneNamespace: string,
  linkerdConfig: () => Promise<ConfigMapInfo | undefined>,
  options: DataPlaneOptions,
): DataPlaneFacts {
  const listMeshedPods = async () => {
    const selector = [`linkerd.io/control-plane-ns=${controlPlaneNamespace}`, options.selector]
      .filter(Boolean)
      .join(",");
    const pods = await cluster.listPods(options.namespace, { labelSelector: selector });
    return pods.filter((pod) => proxyContainerOf(pod) !== undefined);
  };
  const meshedPods = memoize(listMeshedPods);
  const trustDomain = memoize(async () => {
    const config = await linkerdConfig();
    const values = config === undefined ? {} : linkerdValuesOf(config);
    return String(values.identityTrustDomain ?? "cluster.local");
  });

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
    const certs = await loadCertTools();
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
      const probe = await probeProxy(cluster, pod, identity, leaves.timeoutMs);
      if (!probe.ok)
        return {
          ...base,
          status: "unreachable",
          reason: probe.reason,
          ...(probe.forbidden ? { forbidden: probe.forbidden } : {}),
        };
      try {
        const [presented, ...rest] = probe.chain;
        const leaf = presented === undefined ? undefined : certs.parseCertificate(presented);
        const intermediates = rest.map(describe);
        if (leaf === undefined)
          return { ...base, status: "unreachable", reason: "no certificate presented" };
        return {
          ...base,
          status: "verified",
          leaf,
          intermediates,
          notAfter: leaf.notAfter,
          ...(probe.metrics ? { metrics: probe.metrics } : {}),
        };
      } catch (error) {
        return {
          ...base,
          status: "unreachable",
          reason: `could not parse the presented certificate: ${(error as Error).message}`,
        };
      }
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

  return { options, meshedPods, listMeshedPods, trustDomain, proxies };
}

function dataPlaneOf(context: CheckContext): DataPlaneFacts {
  if (context.dataPlane === undefined) throw new CheckFailure("data-plane checks need --proxy");
  return context.dataPlane;
}

const podName = (context: CheckContext, finding: { namespace: string; pod: string }) =>
  dataPlaneOf(context).options.namespace === undefined
    ? `${finding.namespace}/${finding.pod}`
    : finding.pod;

/** More pods than this with the same reason are one line (-o json still lists each). */
const SAME_REASON_LINES = 5;

/**
 * One line per proxy that could not be asked, but one line for many with the same cause: a user
 * without `create` on `pods/portforward` (the built-in `view` role) or a struggling API server would
 * otherwise get the same words once per pod, thousands of lines. RBAC denials are grouped by
 * namespace (their text names each pod), other reasons when more than SAME_REASON_LINES pods share
 * one.
 */
function unreachableLines(context: CheckContext, silent: ProxyFinding[]): string[] {
  const groups = new Map<string, ProxyFinding[]>();
  for (const f of silent) {
    const key = f.forbidden ? `forbidden in ${f.namespace}` : `reason ${f.reason ?? ""}`;
    const members = groups.get(key);
    if (members === undefined) groups.set(key, [f]);
    else members.push(f);
  }
  return [...groups.values()].flatMap((members) => {
    const first = members[0] as ProxyFinding;
    if (members.length <= (first.forbidden ? 1 : SAME_REASON_LINES))
      return members.map((f) => `${podName(context, f)}: ${f.reason ?? "unknown"}`);
    const names = members.slice(0, 3).map((f) => podName(context, f));
    const examples = `(${names.join(", ")}${members.length > 3 ? ", …" : ""})`;
    return first.forbidden
      ? [
          `${members.length} pods in namespace "${first.namespace}" ${examples}: port-forward failed: forbidden; needs RBAC permission "create" on "pods/portforward" in namespace "${first.namespace}"`,
        ]
      : [`${members.length} pods ${examples}: ${first.reason ?? "unknown"}`];
  });
}

/** Names the pods a passing check did not ask (terminating, proxy not ready), the first few. */
function notAskedNote(context: CheckContext, skipped: ProxyFinding[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const shown = 5;
  const more =
    skipped.length > shown ? [`and ${skipped.length - shown} more (-o json lists them)`] : [];
  return listing(`${skipped.length} ${skipped.length === 1 ? "pod was" : "pods were"} not asked:`, [
    ...skipped.slice(0, shown).map((f) => `${podName(context, f)}: ${f.reason ?? "skipped"}`),
    ...more,
  ]);
}

function listing(heading: string, lines: string[]): string {
  return `${heading}${lines.map((line) => `\n\t* ${line}`).join("")}`;
}

/**
 * The certificates of a PEM bundle as a set of SHA-256 digests of their DER (so order, whitespace
 * and layout do not matter); undefined when it is not a PEM bundle. Thousands of pods share a few
 * bundle texts, so each distinct text is decoded once: measured on 5,000 pods, parsing each pod's
 * bundle as X.509 took ~3 s of a 7 s run.
 */
function bundleDigests(
  pem: string,
  memo: Map<string, Set<string> | undefined>,
): Set<string> | undefined {
  if (memo.has(pem)) return memo.get(pem);
  const decoded = decodeCertificateBundle(pem.trim() === "" ? "" : `${pem.trim()}\n`);
  const digests = decoded.ok
    ? new Set(decoded.value.map((der) => createHash("sha256").update(der).digest("hex")))
    : undefined;
  memo.set(pem, digests);
  return digests;
}

/** The pod's LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS, following valueFrom references as the kubelet would. */
async function envTrustAnchors(
  cluster: Cluster,
  pod: PodInfo,
  lookups: Map<string, Promise<string | undefined>>,
): Promise<string | undefined> {
  const variable = proxyContainerOf(pod)?.env.find(
    (e) => e.name === "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS",
  );
  if (variable === undefined) return undefined;
  if (variable.value !== undefined) return variable.value;
  const cached = (key: string, load: () => Promise<string | undefined>) => {
    let promise = lookups.get(key);
    if (promise === undefined) {
      promise = load();
      lookups.set(key, promise);
    }
    return promise;
  };
  const cm = variable.valueFrom?.configMapKeyRef;
  if (cm !== undefined)
    return cached(
      `cm/${pod.namespace}/${cm.name}/${cm.key}`,
      async () => (await cluster.getConfigMap(pod.namespace, cm.name))?.data[cm.key],
    );
  const secret = variable.valueFrom?.secretKeyRef;
  if (secret !== undefined)
    return cached(
      `secret/${pod.namespace}/${secret.name}/${secret.key}`,
      async () => (await cluster.getSecret(pod.namespace, secret.name))?.data[secret.key],
    );
  return undefined;
}

export type LeafProblemKind = "issuer" | "validity" | "expiry" | "identity";
export interface LeafProblem {
  kind: LeafProblemKind;
  text: string;
}

/** One proxy and what is wrong with its certificate: the checks and `-o json` both read these. */
export interface ProxyAssessment {
  finding: ProxyFinding;
  problems: LeafProblem[];
  /** False when the issuer could not be judged (no usable identity material). */
  issuerJudged: boolean;
}

/** Judges one proxy's certificate against the current issuer, the clock, the threshold and its pod. */
async function assessProxy(
  finding: ProxyFinding,
  context: CheckContext,
  issuerMaterial:
    | { issuer: CertificateInfo; issuerChain: CertificateInfo[]; anchors: CertificateInfo[] }
    | undefined,
  expectedIdentity: string | undefined,
  leafThreshold: ExpiryThreshold,
): Promise<ProxyAssessment> {
  const problems: LeafProblem[] = [];
  if (finding.status === "no-identity")
    problems.push({ kind: "identity", text: `has no identity: ${finding.reason}` });
  const now = context.now();
  const leaf = finding.leaf;
  if (leaf && issuerMaterial) {
    const { issuer, issuerChain, anchors } = issuerMaterial;
    const certs = await context.certs();
    const fromIssuer = await certs.verifyChain(leaf, [], [issuer], {
      now,
      ignoreValidity: true,
    });
    if (!fromIssuer.ok) {
      // Not the current issuer: does it reach the anchors through what the proxy presented?
      const toAnchors = await certs.verifyChain(
        leaf,
        [...(finding.intermediates ?? []), ...issuerChain],
        anchors,
        { now, ignoreValidity: true },
      );
      const signer = finding.intermediates?.[0];
      problems.push({
        kind: "issuer",
        text: toAnchors.ok
          ? `issued by "${leaf.issuer}"${signer ? ` (serial ${signer.serial})` : ""}, not by the current issuer (serial ${issuer.serial}); the identity service may still sign with an old issuer`
          : `issued by "${leaf.issuer}", which does not chain to the trust anchors: ${toAnchors.error}`,
      });
    }
  }
  if (leaf && leaf.notBefore > now)
    problems.push({ kind: "validity", text: `not valid before: ${rfc3339(leaf.notBefore)}` });
  if (finding.notAfter && finding.notAfter < now) {
    const errors = finding.metrics?.refreshErrors
      ? ` (the proxy counts ${finding.metrics.refreshErrors} failed refreshes)`
      : "";
    problems.push({
      kind: "validity",
      text: `not valid anymore. Expired on ${rfc3339(finding.notAfter)}${errors}`,
    });
  } else if (finding.notAfter) {
    // Prometheus gives only the expiry: the lifetime is then Linkerd's default 24 hours.
    const cert =
      leaf ??
      ({
        notAfter: finding.notAfter,
        notBefore: new Date(finding.notAfter.getTime() - 86_400_000),
      } as CertificateInfo);
    if (isExpiringSoon(cert, leafThreshold, now))
      problems.push({ kind: "expiry", text: `will expire on ${rfc3339(finding.notAfter)}` });
  }
  if (leaf && expectedIdentity !== undefined && !leaf.dnsNames.includes(expectedIdentity)) {
    problems.push({
      kind: "identity",
      text: `certificate names ${leaf.dnsNames.join(", ") || leaf.commonName}, expected ${expectedIdentity}`,
    });
  }
  return { finding, problems, issuerJudged: issuerMaterial !== undefined };
}

const assessed = new WeakMap<CheckContext, Promise<ProxyAssessment[]>>();

/** Every proxy's assessment, computed once per run. */
export function proxyAssessments(context: CheckContext): Promise<ProxyAssessment[]> {
  let promise = assessed.get(context);
  if (promise === undefined) {
    promise = (async () => {
      const facts = dataPlaneOf(context);
      // What every leaf is judged against, known before the first proxy is seen.
      const [trustDomain, pods, material] = await Promise.all([
        facts.trustDomain().catch(() => "cluster.local"),
        facts.meshedPods(),
        context.facts.identity().catch(() => undefined),
      ]);
      const byName = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));
      return facts.proxies(context.now(), (finding) => {
        const pod = byName.get(`${finding.namespace}/${finding.pod}`);
        const expected =
          pod &&
          `${pod.serviceAccountName}.${pod.namespace}.serviceaccount.identity.${context.controlPlaneNamespace}.${trustDomain}`;
        return assessProxy(finding, context, material, expected, facts.options.leafThreshold);
      });
    })();
    assessed.set(context, promise);
  }
  return promise;
}

export function identityDataPlaneCategory(leafThreshold: ExpiryThreshold): CategoryDefinition {
  const ids = {
    bundle: `${IDENTITY_DATA_PLANE}/proxies-certs-match-ca`,
    answer: `${IDENTITY_DATA_PLANE}/proxies-answer`,
    issuer: `${IDENTITY_DATA_PLANE}/leaves-issued-by-current-issuer`,
    validity: `${IDENTITY_DATA_PLANE}/leaves-time-valid`,
    expiry: `${IDENTITY_DATA_PLANE}/leaves-not-expiring-soon`,
    identity: `${IDENTITY_DATA_PLANE}/leaf-identities-match-pods`,
  };
  const needs = (context: CheckContext, kind: "live" | "any"): string | undefined => {
    const leaves = dataPlaneOf(context).options.leaves.kind;
    if (leaves === "off") return "leaf verification is off";
    return kind === "live" && leaves !== "live"
      ? "needs the live leaves (not Prometheus)"
      : undefined;
  };
  /** A check over one kind of leaf problem. */
  const leafCheck =
    (kind: LeafProblemKind, heading: string, requirement: "live" | "any") =>
    async (context: CheckContext): Promise<CheckOutcome> => {
      const reason = needs(context, requirement);
      if (reason !== undefined) return { status: "not-applicable", reason };
      const assessments = await proxyAssessments(context);
      // Nothing was seen (every proxy unreachable): the answer check says why; judging nothing is not a pass.
      if (
        !assessments.some(
          (a) =>
            a.finding.leaf !== undefined ||
            a.finding.notAfter !== undefined ||
            a.finding.status === "no-identity",
        )
      ) {
        return { status: "not-applicable", reason: "no proxy certificate could be read" };
      }
      const problems = assessments.flatMap((a) =>
        a.problems
          .filter((p) => p.kind === kind)
          .map((p) => `${podName(context, a.finding)}: ${p.text}`),
      );
      // Each pod's certificate is in the JSON document's `proxies`, not repeated per check.
      if (problems.length === 0) return { status: "pass" };
      return { status: "fail", message: listing(heading, problems) };
    };

  return {
    id: IDENTITY_DATA_PLANE,
    checks: [
      {
        id: ids.bundle,
        description: "data plane proxies certificate match CA",
        hintAnchor: "l5d-identity-data-plane-proxies-certs-match-ca",
        severity: "warning",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        async run(context) {
          const cluster = clusterOf(context);
          const facts = dataPlaneOf(context);
          const roots = await cluster.getConfigMap(context.controlPlaneNamespace, TRUST_ROOTS);
          if (roots === undefined)
            return { status: "fail", message: `configmaps "${TRUST_ROOTS}" not found` };
          const digests = new Map<string, Set<string> | undefined>();
          const current = bundleDigests(roots.data["ca-bundle.crt"] ?? "", digests);
          if (current === undefined)
            return {
              status: "fail",
              message: `the ${TRUST_ROOTS} ConfigMap's ca-bundle.crt is not a PEM certificate bundle`,
            };
          const lookups = new Map<string, Promise<string | undefined>>();
          const stale: string[] = [];
          // Linkerd skips the control plane: its proxies read the anchors from the ConfigMap itself.
          for (const pod of (await facts.meshedPods()).filter(
            (p) => p.namespace !== context.controlPlaneNamespace,
          )) {
            const pem = await envTrustAnchors(cluster, pod, lookups);
            if (pem === undefined) continue;
            const theirs = bundleDigests(pem, digests);
            // Compared as sets of certificates: order, whitespace and layout do not matter.
            const same =
              theirs !== undefined &&
              theirs.size === current.size &&
              [...theirs].every((f) => current.has(f));
            if (!same) stale.push(podName(context, { namespace: pod.namespace, pod: pod.name }));
          }
          return stale.length === 0
            ? { status: "pass" }
            : {
                status: "fail",
                message: listing(
                  "Some pods do not have the current trust bundle and must be restarted:",
                  stale,
                ),
              };
        },
      },
      {
        id: ids.answer,
        description: "data plane proxies answer on their admin port",
        hintAnchor: "data-plane-proxies-answer",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        async run(context) {
          const reason = needs(context, "any");
          if (reason !== undefined) return { status: "not-applicable", reason };
          const facts = dataPlaneOf(context);
          const findings = (await proxyAssessments(context)).map(
            (assessment) => assessment.finding,
          );
          const silent = findings.filter((f) => f.status === "unreachable");
          if (silent.length === 0) {
            const note = notAskedNote(
              context,
              findings.filter((f) => f.status === "skipped"),
            );
            return note === undefined ? { status: "pass" } : { status: "pass", note };
          }
          const heading =
            facts.options.leaves.kind === "prometheus"
              ? "Some proxies' certificates are not in Prometheus:"
              : "Some proxies could not be checked:";
          // A proxy that refuses or never answers is broken; only failing to reach the API is "access".
          const access = silent.every((f) => f.reason?.startsWith("port-forward failed") ?? false);
          return {
            status: "fail",
            message: listing(heading, unreachableLines(context, silent)),
            cause: access ? "access" : "finding",
          };
        },
      },
      {
        id: ids.issuer,
        description: "data plane proxies serve a certificate issued by the current issuer",
        hintAnchor: "data-plane-leaves-issued-by-current-issuer",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, CERT_CONFIG, NAMESPACE_EXISTS],
        run: leafCheck(
          "issuer",
          "Some proxies serve a certificate not issued by the current issuer:",
          "live",
        ),
      },
      {
        id: ids.validity,
        description: "data plane proxy certificates are within their validity period",
        hintAnchor: "data-plane-leaves-time-valid",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        run: leafCheck(
          "validity",
          "Some proxies serve an expired or not yet valid certificate:",
          "any",
        ),
      },
      {
        id: ids.expiry,
        description: `data plane proxy certificates are valid for at least ${thresholdPhrase(leafThreshold, "plural")}`,
        hintAnchor: "data-plane-leaves-not-expiring-soon",
        hintBase: MESHLENS_HINT_BASE,
        severity: "warning",
        requires: [ids.validity],
        run: leafCheck(
          "expiry",
          "Some proxies' certificates expire soon (are they renewing?):",
          "any",
        ),
      },
      {
        id: ids.identity,
        description: "data plane proxy certificates name their pod's identity",
        hintAnchor: "data-plane-leaf-identities-match-pods",
        hintBase: MESHLENS_HINT_BASE,
        severity: "error",
        requires: [API_QUERY, NAMESPACE_EXISTS],
        run: leafCheck("identity", "Some proxies do not serve their pod's identity:", "live"),
      },
    ],
  };
}

/** linkerd2 CheckPodsRunning: pod statuses that are finished, not broken. */
const FINISHED = new Set(["Completed", "NodeShutdown", "Shutdown", "Terminated", "Succeeded"]);

export function podReadinessProblems(pods: PodInfo[]): string[] {
  return pods.flatMap((pod) => {
    if (FINISHED.has(pod.phase) || (pod.reason !== undefined && FINISHED.has(pod.reason)))
      return [];
    if (pod.phase !== "Running") return [`pod "${pod.name}" status is ${pod.phase}`];
    return proxyReady(pod) ? [] : [`container "linkerd-proxy" in pod "${pod.name}" is not ready`];
  });
}

/**
 * How long a proxy may run before Prometheus is expected to have it: linkerd-viz scrapes every 10 s,
 * Prometheus' default is every minute; twice the longer one.
 */
const FIRST_SCRAPE_GRACE_MS = 120_000;

/** How long the pod's linkerd-proxy container has been running, if the kubelet says. */
function proxyRunningFor(pod: PodInfo, now: Date): number | undefined {
  const startedAt = proxyStatusOf(pod)?.startedAt;
  return startedAt === undefined ? undefined : now.getTime() - startedAt.getTime();
}

/** Why a Running pod's proxy is not asked for its certificate; undefined when it is. */
function notAskedReason(pod: PodInfo): string | undefined {
  if (pod.terminating) return "the pod is terminating";
  if (!proxyReady(pod))
    return 'its linkerd-proxy container is not ready (see "data plane proxies are ready")';
  return undefined;
}

/** Whether the pod's linkerd-proxy container (a sidecar or a native sidecar) reports ready. */
function proxyReady(pod: PodInfo): boolean {
  return proxyStatusOf(pod)?.ready ?? false;
}

const readinessAttempts = new WeakMap<CheckContext, number>();

export const dataPlaneCategory: CategoryDefinition = {
  id: DATA_PLANE,
  checks: [
    {
      id: NAMESPACE_EXISTS,
      description: "data plane namespace exists",
      hintAnchor: "l5d-data-plane-exists",
      severity: "fatal",
      requires: [API_QUERY],
      async run(context) {
        const namespace = dataPlaneOf(context).options.namespace;
        if (namespace === undefined)
          return { status: "not-applicable", reason: "data plane namespace not specified" };
        const found = await clusterOf(context).getNamespace(namespace);
        return found
          ? { status: "pass" }
          : { status: "fail", message: `The "${namespace}" namespace does not exist` };
      },
    },
    {
      id: `${DATA_PLANE}/proxies-ready`,
      description: "data plane proxies are ready",
      hintAnchor: "l5d-data-plane-ready",
      severity: "fatal",
      // Retried under --wait as Linkerd does; the spinner names the pod being waited for (Linkerd
      // only says "waiting for check to complete"). Nothing else waits on Pending pods.
      retry: true,
      surfaceErrorOnRetry: true,
      requires: [API_QUERY, NAMESPACE_EXISTS],
      async run(context) {
        const facts = dataPlaneOf(context);
        // The first attempt shares the run's pod list (one LIST of a big cluster, not two); retries
        // need fresh pods.
        const attempt = readinessAttempts.get(context) ?? 0;
        readinessAttempts.set(context, attempt + 1);
        const pods = attempt === 0 ? await facts.meshedPods() : await facts.listMeshedPods();
        if (pods.length === 0) {
          const where =
            facts.options.namespace === undefined
              ? ""
              : ` in the "${facts.options.namespace}" namespace`;
          return { status: "fail", message: `no "linkerd-proxy" containers found${where}` };
        }
        const problems = podReadinessProblems(pods);
        if (problems.length === 0) return { status: "pass" };
        return {
          status: "fail",
          message:
            problems.length === 1
              ? (problems[0] as string)
              : listing(`${problems.length} data plane pods are not ready:`, problems),
        };
      },
    },
  ],
};
