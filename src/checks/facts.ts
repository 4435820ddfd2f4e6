// Where the identity checks get their certificates: the cluster, as Linkerd reads it, or PEM files
// for offline checks. Loaded once per run and shared by every check that needs them.

import { load as parseYaml } from "js-yaml";
import type { CertificateInfo, CertTools } from "../certs/types.js";
import type { Cluster, ConfigMapInfo } from "../k8s/types.js";
import { memoize } from "../memoize.js";
import { firstLine } from "../shared/first-line.js";
import { decodeCertificateBundle } from "../shared/pem.js";
import { CheckFailure, type Facts, type IdentityMaterial } from "./types.js";

export const ISSUER_SECRET = "linkerd-identity-issuer";
export const LINKERD_CONFIG = "linkerd-config";

/** The raw identity inputs before parsing: PEM texts, as stored. */
export interface IdentityInput {
  scheme: string;
  anchorsPem: string;
  issuerCertPem: string;
  /** Undefined when not available (offline check without --issuer-key). */
  issuerKeyPem: string | undefined;
  /** Offline checks: the --anchors file, which must hold at least one certificate. */
  anchorsFile?: string;
}

/** linkerd-config `values`, with any legacy `global:` wrapper folded in (linkerd2 config parsing). */
function parseLinkerdValues(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new CheckFailure(`cannot parse linkerd-config values: ${firstLine(error)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CheckFailure("linkerd-config values are not a YAML map");
  }
  const values = parsed as Record<string, unknown>;
  const global = values.global;
  return global !== null && typeof global === "object"
    ? { ...(global as Record<string, unknown>), ...values }
    : values;
}

/** The linkerd-config ConfigMap's `values`; throws a CheckFailure that says why they are unusable. */
export function linkerdValuesOf(config: ConfigMapInfo): Record<string, unknown> {
  return parseLinkerdValues(config.data.values ?? "");
}

/** linkerd2 pkg/issuercerts keyMissingError. */
function keyMissing(key: string, what: string, external: boolean): CheckFailure {
  return new CheckFailure(
    `key ${key} containing the ${what} needs to exist in secret ${ISSUER_SECRET} if --identity-external-issuer=${external}`,
  );
}

/** Reads the identity inputs the way linkerd2 `checkCertificatesConfig` does (linkerd-facts.md 1.6). */
export async function readClusterIdentityInput(
  cluster: Cluster,
  namespace: string,
  linkerdValues: () => Promise<Record<string, unknown>>,
): Promise<IdentityInput> {
  const values = await linkerdValues();
  const issuer = (values.identity as { issuer?: { scheme?: string } } | undefined)?.issuer;
  const scheme = issuer?.scheme ?? "";
  const secret = await cluster.getSecret(namespace, ISSUER_SECRET);
  if (secret === undefined) throw new CheckFailure(`secrets "${ISSUER_SECRET}" not found`);
  if (scheme === "" || scheme === "linkerd.io/tls") {
    const crt = secret.data["crt.pem"];
    if (crt === undefined) throw keyMissing("crt.pem", "issuer certificate", false);
    const key = secret.data["key.pem"];
    // Upstream names --identity-external-issuer=true here (pkg/issuercerts FetchIssuerData); kept for grep compatibility.
    if (key === undefined) throw keyMissing("key.pem", "issuer key", true);
    return {
      scheme: scheme || "linkerd.io/tls",
      anchorsPem: String(values.identityTrustAnchorsPEM ?? ""),
      issuerCertPem: crt,
      issuerKeyPem: key,
    };
  }
  // Any other scheme (kubernetes.io/tls, e.g. cert-manager): anchors come from the Secret's ca.crt.
  const anchors = secret.data["ca.crt"];
  if (anchors === undefined) throw keyMissing("ca.crt", "trust anchors", true);
  const crt = secret.data["tls.crt"];
  if (crt === undefined) throw keyMissing("tls.crt", "issuer certificate", true);
  const key = secret.data["tls.key"];
  if (key === undefined) throw keyMissing("tls.key", "issuer key", true);
  return { scheme, anchorsPem: anchors, issuerCertPem: crt, issuerKeyPem: key };
}

/** Parses and cross-checks the inputs; failures are check 1's messages ("certificate config is valid"). */
export function parseIdentityInput(input: IdentityInput, certs: CertTools): IdentityMaterial {
  const issuerBlocks = decodeCertificateBundle(input.issuerCertPem);
  if (!issuerBlocks.ok)
    throw new CheckFailure(`could not parse issuer certificate: ${issuerBlocks.error}`);
  const [leafDer, ...chainDer] = issuerBlocks.value;
  if (leafDer === undefined)
    throw new CheckFailure("could not parse issuer certificate: not a PEM certificate");
  const parse = (der: Uint8Array, what: string): CertificateInfo => {
    try {
      return certs.parseCertificate(der);
    } catch (error) {
      throw new CheckFailure(`could not parse ${what}: ${firstLine(error)}`);
    }
  };
  const issuer = parse(leafDer, "issuer certificate");
  if (input.issuerKeyPem !== undefined) {
    const pair = certs.checkKeyPair(input.issuerKeyPem, issuer);
    if (!pair.ok) throw new CheckFailure(pair.error);
  }
  const anchorBlocks = decodeCertificateBundle(input.anchorsPem);
  if (!anchorBlocks.ok) throw new CheckFailure(anchorBlocks.error);
  // Linkerd's checks pass on an empty bundle (one check per anchor, none to check); a file given
  // as the trust anchors that holds none is a mistake to name, not a pass.
  if (anchorBlocks.value.length === 0 && input.anchorsFile !== undefined)
    throw new CheckFailure(`no certificates in ${input.anchorsFile}`);
  return {
    scheme: input.scheme,
    anchors: anchorBlocks.value.map((der) => parse(der, "trust anchor")),
    issuer,
    issuerChain: chainDer.map((der) => parse(der, "issuer certificate chain")),
  };
}

/** The run's one read of linkerd-config: the existence, identity and data-plane checks share it. */
export function linkerdConfigReader(
  cluster: Cluster,
  namespace: string,
): () => Promise<ConfigMapInfo | undefined> {
  return memoize(() => cluster.getConfigMap(namespace, LINKERD_CONFIG));
}

/** linkerd-config's values, parsed once: a CheckFailure when the ConfigMap is missing or unusable. */
export function linkerdValuesReader(
  linkerdConfig: () => Promise<ConfigMapInfo | undefined>,
): () => Promise<Record<string, unknown>> {
  return memoize(async () => {
    const config = await linkerdConfig();
    if (config === undefined) throw new CheckFailure(`configmaps "${LINKERD_CONFIG}" not found`);
    return linkerdValuesOf(config);
  });
}

export function createFacts(
  loadInput: () => Promise<IdentityInput>,
  certs: () => Promise<CertTools>,
  linkerdConfig: () => Promise<ConfigMapInfo | undefined> = async () => undefined,
  linkerdValues: () => Promise<Record<string, unknown>> = linkerdValuesReader(linkerdConfig),
): Facts {
  return {
    identity: memoize(async () => {
      const input = await loadInput();
      return parseIdentityInput(input, await certs());
    }),
    linkerdConfig,
    linkerdValues,
  };
}
