// What `meshlens expiry` reads: the rotation's facts (each anchor where it is kept, the issuer, the
// proxies' leaves, live or from Prometheus) and the serving certificates of Linkerd's webhooks and
// of linkerd-viz's tap API service and injector, each from its Secret.
import type { CertificateInfo, CertTools } from "../certs/types.js";
import { ISSUER_SECRET, LINKERD_CONFIG, linkerdValuesOf } from "../checks/facts.js";
import { WEBHOOKS } from "../checks/webhooks.js";
import { forbiddenReads } from "../k8s/api-errors.js";
import type { Cluster, ConfigMapInfo } from "../k8s/types.js";
import { collectRotationFacts, TRUST_ROOTS_CONFIGMAP } from "../rotation/collect.js";
import type { LeafReading, RotationFacts } from "../rotation/types.js";
import { parseDuration } from "../shared/go-duration.js";
import { decodeStoredBundle } from "../shared/pem.js";
import type {
  CertificateLayer,
  CertificateSource,
  ExpiryFacts,
  KeptCertificate,
  LeafSpan,
} from "./types.js";

/** Linkerd's default leaf lifetime (values identity.issuer.issuanceLifetime). */
const DEFAULT_ISSUANCE_LIFETIME_MS = 24 * 3_600_000;

interface ServingSecret {
  layer: CertificateLayer;
  component: string;
  namespace: "control-plane" | "viz";
  /** Secret names and the certificate's key, newest first (older releases used *-tls, crt.pem). */
  secrets: Array<{ name: string; key: string }>;
}

/**
 * Where Linkerd (the webhooks `check` reads, checks/webhooks.ts) and linkerd-viz keep their serving
 * certificates (linkerd-facts.md 1.8).
 */
const SERVING: ServingSecret[] = [
  ...WEBHOOKS.map(
    (webhook): ServingSecret => ({
      layer: "webhook",
      component: webhook.name,
      namespace: "control-plane",
      secrets: webhook.secrets.map(({ name, crt }) => ({ name, key: crt })),
    }),
  ),
  {
    layer: "apiservice",
    component: "tap",
    namespace: "viz",
    secrets: [{ name: "tap-k8s-tls", key: "tls.crt" }],
  },
  {
    layer: "webhook",
    component: "tap-injector",
    namespace: "viz",
    secrets: [{ name: "tap-injector-k8s-tls", key: "tls.crt" }],
  },
];
export interface CollectExpiryOptions {
  controlPlaneNamespace: string;
  vizNamespace: string;
  namespace: string | undefined;
  selector: string | undefined;
  leaves: LeafReading | undefined;
  now: () => Date;
  onProgress?: (done: number, total: number) => void;
}

function kept(
  layer: CertificateLayer,
  component: string | undefined,
  source: CertificateSource,
  cert: CertificateInfo,
): KeptCertificate {
  return {
    layer,
    component,
    source,
    subject: cert.subject,
    commonName: cert.commonName,
    fingerprintSha256: cert.fingerprintSha256,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/** Each anchor where it is kept, and the issuer, from the rotation's facts. */
function identityCertificates(facts: RotationFacts, ns: string): KeptCertificate[] {
  const at = (kind: CertificateSource["kind"], name: string, key: string) => ({
    kind,
    namespace: ns,
    name,
    key,
  });
  const anchors = (certs: CertificateInfo[] | undefined, source: CertificateSource) =>
    (certs ?? []).map((cert) => kept("anchor", undefined, source, cert));
  return [
    ...anchors(facts.bundle, at("configmap", TRUST_ROOTS_CONFIGMAP, "ca-bundle.crt")),
    ...anchors(facts.linkerdConfigAnchors, at("configmap", LINKERD_CONFIG, "values")),
    ...anchors(facts.issuerSecretCa, at("secret", ISSUER_SECRET, "ca.crt")),
    ...(facts.issuer === undefined
      ? []
      : [
          kept(
            "issuer",
            undefined,
            // The kubernetes.io/tls scheme keeps it in tls.crt, beside its ca.crt.
            at("secret", ISSUER_SECRET, facts.issuerSecretCa === undefined ? "crt.pem" : "tls.crt"),
            facts.issuer,
          ),
        ]),
  ];
}

export async function collectExpiryFacts(
  cluster: Cluster,
  certs: CertTools,
  options: CollectExpiryOptions,
): Promise<ExpiryFacts> {
  const ns = options.controlPlaneNamespace;
  const { unread, unlessForbidden } = forbiddenReads();
  const serving = SERVING.map(async (spec): Promise<KeptCertificate[]> => {
    const namespace = spec.namespace === "viz" ? options.vizNamespace : ns;
    for (const { name, key } of spec.secrets) {
      const secret = await unlessForbidden(cluster.getSecret(namespace, name));
      const pem = secret?.data[key];
      if (pem === undefined) continue;
      const decoded = decodeStoredBundle(pem);
      const der = decoded.ok ? decoded.value[0] : undefined;
      if (der === undefined) continue;
      const source: CertificateSource = { kind: "secret", namespace, name, key };
      return [kept(spec.layer, spec.component, source, certs.parseCertificate(der))];
    }
    return [];
  });
  const [rotation, linkerdConfig, ...servingCerts] = await Promise.all([
    collectRotationFacts(cluster, certs, {
      controlPlaneNamespace: ns,
      namespace: options.namespace,
      selector: options.selector,
      leaves: options.leaves,
      expiryThresholdMs: 0,
      extraAnchors: [],
      now: options.now,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
    unlessForbidden(cluster.getConfigMap(ns, LINKERD_CONFIG)),
    ...serving,
  ]);
  for (const permission of rotation.unread) unread.add(permission);
  const lifetimeMs = issuanceLifetimeMs(linkerdConfig);
  const leaves: LeafSpan[] = rotation.pods.flatMap((pod) => {
    const leaf = pod.leaf;
    if (leaf === undefined) return [];
    const notBefore =
      leaf.source === "live" ? leaf.notBefore : new Date(leaf.notAfter.getTime() - lifetimeMs);
    return [{ namespace: pod.namespace, notBefore, notAfter: leaf.notAfter }];
  });
  const liveAnchors = rotation.pods.flatMap((pod) =>
    pod.leaf?.source === "live" && pod.leaf.anchor !== undefined ? [pod.leaf.anchor] : [],
  );
  return {
    now: rotation.now,
    certificates: [...identityCertificates(rotation, ns), ...servingCerts.flat()],
    anchorsInUse:
      rotation.issuerAnchor === undefined
        ? undefined
        : new Set([rotation.issuerAnchor, ...liveAnchors]),
    leaves,
    leafSource: rotation.leaves,
    leafStartEstimated: rotation.leaves === "prometheus",
    unread: [...unread],
  };
}

/** identity.issuer.issuanceLifetime (a Go duration), Linkerd's 24h when unset or unreadable. */
function issuanceLifetimeMs(linkerdConfig: ConfigMapInfo | undefined): number {
  let values: Record<string, unknown> = {};
  try {
    if (linkerdConfig !== undefined) values = linkerdValuesOf(linkerdConfig);
  } catch {
    // check says what is wrong with linkerd-config; here Linkerd's default stands.
  }
  const issuer = (values.identity as { issuer?: { issuanceLifetime?: unknown } } | undefined)
    ?.issuer;
  const text = issuer?.issuanceLifetime;
  const ms = typeof text === "string" ? parseDuration(text) : undefined;
  return ms !== undefined && ms > 0 ? ms : DEFAULT_ISSUANCE_LIFETIME_MS;
}
