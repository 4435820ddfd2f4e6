// `meshlens identity`'s domain: the pods asked for (by name or selector), the current trust
// anchors, and each pod's live leaf, verified against them. What `linkerd identity` shows, plus
// SANs, fingerprints, time left and a verdict.
import type { CertTools } from "../certs/types.js";
import { mapBounded } from "../concurrency.js";
import { noIdentityReason, podIdentity } from "../k8s/pods.js";
import type { Cluster, PodInfo } from "../k8s/types.js";
import { readServedChain } from "../proxy/served-chain.js";
import { decodeCertificateBundle, encodePem } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import type { PodIdentityReport } from "./types.js";

export interface IdentityRequest {
  namespace: string;
  /** Pod names; empty: every pod `selector` selects. */
  pods: string[];
  selector: string | undefined;
  timeoutMs: number;
  controlPlaneNamespace: string;
  now: () => Date;
}

function describeKey(key: { algorithm: string; curve?: string; bits?: number }): string {
  if (key.algorithm === "ECDSA") return `ECDSA ${key.curve ?? ""}`.trim();
  if (key.algorithm === "RSA") return `RSA ${key.bits ?? "?"} bit`;
  return key.algorithm;
}

/** One report per pod asked for, in the order asked (several pods are read at once). */
export async function identityReports(
  cluster: Cluster,
  certs: CertTools,
  request: IdentityRequest,
): Promise<PodIdentityReport[]> {
  const { namespace } = request;
  const listed = await cluster.listPods(
    namespace,
    request.selector === undefined ? {} : { labelSelector: request.selector },
  );
  const byName = new Map(listed.map((pod) => [pod.name, pod]));
  const targets: Array<{ name: string; pod: PodInfo | undefined }> =
    request.pods.length > 0
      ? request.pods.map((name) => ({ name, pod: byName.get(name) }))
      : listed.map((pod) => ({ name: pod.name, pod }));

  const roots = await cluster.getConfigMap(
    request.controlPlaneNamespace,
    "linkerd-identity-trust-roots",
  );
  const decoded = decodeCertificateBundle(roots?.data["ca-bundle.crt"] ?? "");
  const anchors = decoded.ok ? decoded.value.map((der) => certs.parseCertificate(der)) : [];

  return mapBounded(targets, 8, async ({ name, pod }): Promise<PodIdentityReport> => {
    const base = { pod: name, namespace, identity: pod ? (podIdentity(pod) ?? "") : "" };
    if (pod === undefined)
      return {
        ...base,
        result: "error",
        error: `pod "${name}" not found in namespace "${namespace}"`,
      };
    if (pod.phase !== "Running")
      return { ...base, result: "error", error: `pod not running: ${name}` };
    const noIdentity = noIdentityReason(pod);
    if (noIdentity !== undefined)
      return { ...base, result: "error", error: `has no identity: ${noIdentity}` };
    const parse = (cert: Parameters<CertTools["parseCertificate"]>[0]) =>
      certs.parseCertificate(cert);
    const served = await readServedChain(cluster, pod, base.identity, request.timeoutMs, {
      leaf: parse,
      intermediate: parse,
    });
    if (!served.ok) {
      const error =
        served.reason === "no certificate presented"
          ? "the admin port presented no certificate"
          : served.reason;
      return { ...base, result: "error", error };
    }
    const { leaf, intermediates } = served;
    const now = request.now();
    const verification = await certs.verifyChain(leaf, intermediates, anchors, { now });
    const secondsLeft = Math.floor((leaf.notAfter.getTime() - now.getTime()) / 1000);
    return {
      ...base,
      result: verification.ok ? "valid" : "invalid",
      leaf: {
        subject: leaf.subject,
        sans: leaf.dnsNames,
        issuer: leaf.issuer,
        issuerSerial: intermediates[0]?.serial,
        serial: leaf.serial,
        fingerprintSha256: leaf.fingerprintSha256,
        keyAlgorithm: describeKey(
          leaf.publicKey as { algorithm: string; curve?: string; bits?: number },
        ),
        signatureAlgorithm: leaf.signatureAlgorithm,
        notBefore: rfc3339(leaf.notBefore),
        notAfter: rfc3339(leaf.notAfter),
        secondsLeft,
        chainsToTrustAnchors: verification.ok,
        ...(verification.ok ? {} : { chainError: verification.error }),
        pem: encodePem("CERTIFICATE", leaf.der),
      },
    };
  });
}
