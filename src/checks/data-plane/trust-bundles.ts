// The trust bundles the proxies were given, compared as sets of certificates: what "data plane
// proxies certificate match CA" reads.
import { createHash } from "node:crypto";
import { proxyContainerOf } from "../../k8s/pods.js";
import type { Cluster, PodInfo } from "../../k8s/types.js";
import { decodeStoredBundle } from "../../shared/pem.js";

/**
 * The certificates of a PEM bundle as a set of SHA-256 digests of their DER (so order, whitespace
 * and layout do not matter); undefined when it is not a PEM bundle. Thousands of pods share a few
 * bundle texts, so each distinct text is decoded once (docs/performance.md).
 */
export function bundleDigests(
  pem: string,
  memo: Map<string, Set<string> | undefined>,
): Set<string> | undefined {
  if (memo.has(pem)) return memo.get(pem);
  const decoded = decodeStoredBundle(pem);
  const digests = decoded.ok
    ? new Set(decoded.value.map((der) => createHash("sha256").update(der).digest("hex")))
    : undefined;
  memo.set(pem, digests);
  return digests;
}

/** The pod's LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS, following valueFrom references as the kubelet would. */
export async function envTrustAnchors(
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
