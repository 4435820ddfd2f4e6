// The facts of a rotation, read from the cluster as Linkerd's parts read them
// (rotation-multicluster-expiry-facts.md A1): the trust-roots ConfigMap and when it last changed,
// linkerd-config's anchors, the issuer Secret, every meshed pod's bundle (inline as injected, or
// the ConfigMap as it was when the container started) and, unless told not to, each proxy's live
// leaf and the anchor it chains to.
import type { X509Certificate } from "node:crypto";
import type { CertificateInfo, CertTools } from "../certs/types.js";
import { notAskedReason } from "../checks/data-plane/pod-state.js";
import { linkerdValuesOf, readClusterIdentityInput } from "../checks/facts.js";
import { mapBounded } from "../concurrency.js";
import { forbiddenReads, permissionNeeded } from "../k8s/api-errors.js";
import { noIdentityReason, podIdentity, proxyContainerOf, proxyStatusOf } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { queryLeafExpiries } from "../proxy/prometheus.js";
import { readServedChain } from "../proxy/served-chain.js";
import { decodeStoredBundle } from "../shared/pem.js";
import { anchorOf } from "./anchors.js";
import type { LeafReading, LeafTrust, PodTrust, RotationFacts } from "./types.js";

export const TRUST_ROOTS_CONFIGMAP = "linkerd-identity-trust-roots";
const TRUST_ANCHORS_ENV = "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS";
const IDENTITY_COMPONENT = "identity";

export interface CollectOptions {
  controlPlaneNamespace: string;
  namespace: string | undefined;
  selector: string | undefined;
  /**
   * How leaves are read: live over port-forwards (the chain), from Prometheus (their expiry
   * only), or undefined: not at all (--no-verify-leaves).
   */
  leaves: LeafReading | undefined;
  expiryThresholdMs: number;
  /** Anchors of the step being asked about, so a leaf can be matched to them too. */
  extraAnchors: CertificateInfo[];
  now: () => Date;
  onProgress?: (done: number, total: number) => void;
}

/** The certificates of a PEM text; an unreadable text is none (the anchors table shows what is). */
function certificatesOf(pem: string | undefined, certs: CertTools): CertificateInfo[] {
  if (pem === undefined) return [];
  const decoded = decodeStoredBundle(pem);
  if (!decoded.ok) return [];
  return decoded.value.flatMap((der) => {
    try {
      return [certs.parseCertificate(der)];
    } catch {
      return [];
    }
  });
}

/** The container that reads the anchors: the proxy, or the identity controller itself. */
function startedAt(pod: PodInfo, container: string | undefined): Date | undefined {
  const status =
    container === undefined
      ? proxyStatusOf(pod)
      : pod.containerStatuses.find((s) => s.name === container);
  return status?.startedAt;
}

export async function collectRotationFacts(
  cluster: Cluster,
  certs: CertTools,
  options: CollectOptions,
): Promise<RotationFacts> {
  const ns = options.controlPlaneNamespace;
  const selector = [`linkerd.io/control-plane-ns=${ns}`, options.selector]
    .filter(Boolean)
    .join(",");
  // What RBAC forbade: the rest is judged without it, and the permission is said. Without the
  // bundle or the pods there is nothing to judge: those errors stand.
  const { unread, unlessForbidden } = forbiddenReads();
  const [trustRoots, linkerdConfig, pods] = await Promise.all([
    cluster.getConfigMap(ns, TRUST_ROOTS_CONFIGMAP),
    unlessForbidden(cluster.getConfigMap(ns, "linkerd-config")),
    cluster.listPods(options.namespace, { labelSelector: selector }),
  ]);
  const bundlePem = trustRoots?.data["ca-bundle.crt"];
  const bundle = certificatesOf(bundlePem, certs);
  const values = linkerdConfig === undefined ? {} : linkerdValuesOf(linkerdConfig);
  const externalCA = (values.identity as { externalCA?: unknown } | undefined)?.externalCA === true;
  // An issuer Secret that is missing or unreadable leaves the issuer unknown.
  const identity = await unlessForbidden(
    readClusterIdentityInput(cluster, ns, async () => values),
  ).catch(() => undefined);
  const scheme = identity?.scheme ?? "linkerd.io/tls";
  const issuer = certificatesOf(identity?.issuerCertPem, certs)[0];
  // linkerd-config's anchors are what `linkerd check` reads for the linkerd.io/tls scheme; with
  // externalCA the chart leaves them empty (A1).
  const linkerdConfigAnchors =
    scheme === "linkerd.io/tls" && !externalCA
      ? certificatesOf(String(values.identityTrustAnchorsPEM ?? ""), certs)
      : undefined;
  const issuerSecretCa =
    scheme === "linkerd.io/tls" ? undefined : certificatesOf(identity?.anchorsPem, certs);

  const seen = new Map<string, CertificateInfo>();
  const remember = (list: CertificateInfo[] | undefined) => {
    for (const cert of list ?? [])
      if (!seen.has(cert.fingerprintSha256)) seen.set(cert.fingerprintSha256, cert);
  };
  remember(bundle);
  remember(linkerdConfigAnchors);
  remember(issuerSecretCa);
  const known = new Set(seen.keys());

  const bundleTexts = new Map<string, CertificateInfo[]>();
  const meshed = pods.filter((pod) => proxyContainerOf(pod) !== undefined);
  const trusts = meshed.map((pod) => {
    const variable = proxyContainerOf(pod)?.env.find((e) => e.name === TRUST_ANCHORS_ENV);
    const fromConfigMap = variable?.valueFrom?.configMapKeyRef !== undefined;
    const text = fromConfigMap ? bundlePem : variable?.value;
    let anchors = bundleTexts.get(text ?? "");
    if (anchors === undefined) {
      anchors = certificatesOf(text, certs);
      bundleTexts.set(text ?? "", anchors);
    }
    remember(anchors);
    const identityController =
      pod.labels["linkerd.io/control-plane-component"] === IDENTITY_COMPONENT;
    const changedAt = trustRoots?.changedAt;
    // The control plane's proxies read the ConfigMap at container start, the identity controller
    // its mounted copy at process start: started before the last change means the old content.
    const stale = (container: string | undefined) => {
      const started = startedAt(pod, container);
      return changedAt !== undefined && started !== undefined && started < changedAt;
    };
    const startedBeforeBundleChange =
      (fromConfigMap && stale(undefined)) || (identityController && stale(IDENTITY_COMPONENT));
    return {
      pod,
      trust: {
        namespace: pod.namespace,
        pod: pod.name,
        controlPlane: pod.namespace === ns,
        identityController,
        trusts:
          fromConfigMap && startedBeforeBundleChange
            ? undefined
            : anchors.map((cert) => cert.fingerprintSha256),
        startedBeforeBundleChange,
        leaf: undefined,
      } as PodTrust,
    };
  });
  remember(options.extraAnchors);

  if (options.leaves?.kind === "prometheus") {
    // The proxies' own expiry gauge, as Prometheus scraped it: no chain, so no anchor.
    const reported = await queryLeafExpiries(options.leaves.source, cluster);
    const byPod = new Map(reported.map((r) => [`${r.namespace}/${r.pod}`, r.expiresAt]));
    for (const { trust } of trusts) {
      const notAfter = byPod.get(`${trust.namespace}/${trust.pod}`);
      if (notAfter !== undefined) trust.leaf = { source: "prometheus", notAfter };
    }
  }
  if (options.leaves?.kind === "live") {
    const { timeoutMs, concurrency } = options.leaves;
    const everyAnchor = [...seen.values()];
    // Every proxy presents the same issuer after its leaf: each distinct certificate parsed once,
    // as check --proxy does (docs/performance.md).
    const described = new Map<string, CertificateInfo>();
    const describe = (cert: X509Certificate): CertificateInfo => {
      let info = described.get(cert.fingerprint256);
      if (info === undefined) {
        info = certs.parseCertificate(cert);
        described.set(cert.fingerprint256, info);
      }
      return info;
    };
    const targets = trusts.filter(
      ({ pod }) =>
        pod.phase === "Running" &&
        noIdentityReason(pod) === undefined &&
        notAskedReason(pod) === undefined,
    );
    await mapBounded(
      targets,
      concurrency,
      async (target) => {
        target.trust.leaf = await leafTrust(cluster, certs, target.pod, {
          timeoutMs,
          anchors: everyAnchor,
          now: options.now(),
          describe,
          forbidden: () =>
            unread.add(
              permissionNeeded({
                verb: "create",
                resource: "pods/portforward",
                namespace: target.pod.namespace,
              }),
            ),
        });
      },
      (done) => options.onProgress?.(done, targets.length),
    );
  }
  return {
    now: options.now(),
    bundle,
    bundlePlace: "trust-roots-configmap",
    bundleChangedAt: trustRoots?.changedAt,
    linkerdConfigAnchors,
    issuerSecretCa,
    issuer,
    issuerAnchor:
      issuer === undefined
        ? undefined
        : await anchorOf(certs, issuer, [], [...seen.values()], options.now()),
    proxyOnlyAnchors: [...seen.values()].filter(
      (cert) => !known.has(cert.fingerprintSha256) && !options.extraAnchors.includes(cert),
    ),
    pods: trusts.map(({ trust }) => trust),
    leaves: options.leaves?.kind ?? "none",
    expiryThresholdMs: options.expiryThresholdMs,
    unread: [...unread],
  };
}

async function leafTrust(
  cluster: Cluster,
  certs: CertTools,
  pod: PodInfo,
  how: {
    timeoutMs: number;
    anchors: CertificateInfo[];
    now: Date;
    describe: (cert: X509Certificate) => CertificateInfo;
    forbidden: () => void;
  },
): Promise<LeafTrust | undefined> {
  const served = await readServedChain(cluster, pod, podIdentity(pod) ?? "", how.timeoutMs, {
    leaf: (cert) => certs.parseCertificate(cert),
    intermediate: how.describe,
  });
  if (!served.ok) {
    if (served.forbidden) how.forbidden();
    return undefined;
  }
  const anchor = await anchorOf(certs, served.leaf, served.intermediates, how.anchors, how.now);
  const leaf: LeafTrust = {
    source: "live",
    anchor,
    issuer: served.intermediates[0]?.fingerprintSha256,
    notBefore: served.leaf.notBefore,
    notAfter: served.leaf.notAfter,
  };
  // Its OpenSSL certificate let go: thousands of leaves are not kept alive.
  certs.release(served.leaf);
  return leaf;
}
