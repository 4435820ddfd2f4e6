// trust-manager's Bundle controller, as much of it as the cert-manager rotation flow needs
// (rotation-multicluster-expiry-facts.md A3; trust-manager pkg/bundle): the certificates of the
// sources, each once, written to the target key of a ConfigMap named as the Bundle in every
// namespace its selector matches, stamped with trust.cert-manager.io/hash. It restarts nothing:
// the control plane keeps what it read at start (linkerd/linkerd2#13613).
import { createHash } from "node:crypto";
import { decodeCertificateBundle, encodePem } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import type { KubeObject, ObjectStore } from "./store.js";

/** cert-manager's namespace, where trust-manager reads its sources by default. */
const TRUST_NAMESPACE = "cert-manager";

interface BundleSpec {
  sources?: Array<{
    secret?: { name: string; key: string };
    configMap?: { name: string; key: string };
  }>;
  target?: {
    configMap?: { key: string };
    namespaceSelector?: { matchLabels?: Record<string, string> };
  };
}

function sourceText(
  store: ObjectStore,
  source: NonNullable<BundleSpec["sources"]>[number],
): string {
  if (source.secret !== undefined) {
    const secret = store.get(
      { apiVersion: "v1", kind: "Secret" },
      TRUST_NAMESPACE,
      source.secret.name,
    );
    const value = (secret?.data as Record<string, string> | undefined)?.[source.secret.key];
    return value === undefined ? "" : Buffer.from(value, "base64").toString("utf8");
  }
  if (source.configMap !== undefined) {
    const map = store.get(
      { apiVersion: "v1", kind: "ConfigMap" },
      TRUST_NAMESPACE,
      source.configMap.name,
    );
    return (map?.data as Record<string, string> | undefined)?.[source.configMap.key] ?? "";
  }
  return "";
}

/** The bundle's PEM: every source's certificates in order, each certificate once. */
function bundlePem(store: ObjectStore, spec: BundleSpec): string {
  const seen = new Set<string>();
  let pem = "";
  for (const source of spec.sources ?? []) {
    const decoded = decodeCertificateBundle(sourceText(store, source));
    if (!decoded.ok) continue;
    for (const der of decoded.value) {
      const block = encodePem("CERTIFICATE", der);
      if (seen.has(block)) continue;
      seen.add(block);
      pem += block;
    }
  }
  return pem;
}

/** Brings every Bundle's target ConfigMaps up to date with its sources. */
export function reconcileBundles(store: ObjectStore, now: Date): void {
  for (const bundle of store.list({
    apiVersion: "trust.cert-manager.io/v1alpha1",
    kind: "Bundle",
  })) {
    const spec = (bundle.spec ?? {}) as BundleSpec;
    const key = spec.target?.configMap?.key;
    if (key === undefined) continue;
    const pem = bundlePem(store, spec);
    const wanted = Object.entries(spec.target?.namespaceSelector?.matchLabels ?? {});
    for (const ns of store.list({ apiVersion: "v1", kind: "Namespace" })) {
      if (!wanted.every(([label, value]) => ns.metadata.labels?.[label] === value)) continue;
      const current = store.get(
        { apiVersion: "v1", kind: "ConfigMap" },
        ns.metadata.name,
        bundle.metadata.name,
      );
      const data = (current?.data ?? {}) as Record<string, string>;
      if (data[key] === pem) continue;
      store.put(targetConfigMap(bundle, ns.metadata.name, current, { ...data, [key]: pem }, now));
    }
  }
}

function targetConfigMap(
  bundle: KubeObject,
  namespace: string,
  current: KubeObject | undefined,
  data: Record<string, string>,
  now: Date,
): KubeObject {
  const fields = (current?.metadata.managedFields as Array<{ manager?: string }> | undefined) ?? [];
  const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex");
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    ...current,
    metadata: {
      ...current?.metadata,
      name: bundle.metadata.name,
      namespace,
      annotations: { ...current?.metadata.annotations, "trust.cert-manager.io/hash": hash },
      managedFields: [
        ...fields.filter((f) => f.manager !== "trust-manager"),
        {
          manager: "trust-manager",
          operation: "Apply",
          apiVersion: "v1",
          time: rfc3339(now),
          fieldsType: "FieldsV1",
        },
      ],
    },
    data,
  };
}
