// Certificate parsing on Node's native X509Certificate plus @peculiar/asn1-x509 for the fields Node
// does not expose (signature algorithm, key usage bits, key identifiers): lighter to load than all
// of @peculiar/x509 (docs/performance.md), and Node's native signature check is what makes
// verifying thousands of proxy leaves cheap.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate as AsnCertificate,
  AuthorityKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import { memoize } from "../memoize.js";
import { decodeFirstBlock } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import type {
  CertificateInfo,
  CertTools,
  ChainVerification,
  PublicKeyInfo,
  VerifyOptions,
} from "./types.js";

// Go crypto/x509 SignatureAlgorithm.String() names, by OID.
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  "1.2.840.113549.1.1.4": "MD5-RSA",
  "1.2.840.113549.1.1.5": "SHA1-RSA",
  "1.2.840.113549.1.1.11": "SHA256-RSA",
  "1.2.840.113549.1.1.12": "SHA384-RSA",
  "1.2.840.113549.1.1.13": "SHA512-RSA",
  "1.2.840.113549.1.1.10": "SHA256-RSAPSS",
  "1.2.840.10045.4.1": "ECDSA-SHA1",
  "1.2.840.10045.4.3.2": "ECDSA-SHA256",
  "1.2.840.10045.4.3.3": "ECDSA-SHA384",
  "1.2.840.10045.4.3.4": "ECDSA-SHA512",
  "1.3.101.112": "Ed25519",
};

// Node's curve names to the names Go prints (`P-256`).
const CURVES: Record<string, { name: string; bits: number }> = {
  prime256v1: { name: "P-256", bits: 256 },
  secp384r1: { name: "P-384", bits: 384 },
  secp521r1: { name: "P-521", bits: 521 },
  secp224r1: { name: "P-224", bits: 224 },
};

const KEY_USAGE_NAMES: Array<[number, string]> = [
  [KeyUsageFlags.digitalSignature, "digitalSignature"],
  [KeyUsageFlags.nonRepudiation, "contentCommitment"],
  [KeyUsageFlags.keyEncipherment, "keyEncipherment"],
  [KeyUsageFlags.dataEncipherment, "dataEncipherment"],
  [KeyUsageFlags.keyAgreement, "keyAgreement"],
  [KeyUsageFlags.keyCertSign, "keyCertSign"],
  [KeyUsageFlags.cRLSign, "cRLSign"],
  [KeyUsageFlags.encipherOnly, "encipherOnly"],
  [KeyUsageFlags.decipherOnly, "decipherOnly"],
];

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

// The native certificate behind each CertificateInfo, for signature checks.
const native = new WeakMap<CertificateInfo, X509Certificate>();

function describePublicKey(key: KeyObject): PublicKeyInfo {
  switch (key.asymmetricKeyType) {
    case "ec": {
      const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ""];
      return curve === undefined
        ? { algorithm: "ECDSA", curve: key.asymmetricKeyDetails?.namedCurve ?? "unknown", bits: 0 }
        : { algorithm: "ECDSA", curve: curve.name, bits: curve.bits };
    }
    case "rsa":
    case "rsa-pss":
      return { algorithm: "RSA", bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
    case "ed25519":
      return { algorithm: "Ed25519" };
    default:
      return { algorithm: key.asymmetricKeyType ?? "unknown" };
  }
}

const hex = (buffer: ArrayBuffer) => Buffer.from(buffer).toString("hex");

/** The fields only an ASN.1 parse gives; parsed on first use, since most leaves never need them. */
function asnFields(der: Uint8Array) {
  const asn = AsnConvert.parse(der, AsnCertificate);
  const extensions = asn.tbsCertificate.extensions ?? [];
  const extension = <T>(oid: string, type: new () => T): T | undefined => {
    const found = extensions.find((e) => e.extnID === oid);
    return found === undefined ? undefined : AsnConvert.parse(found.extnValue, type);
  };
  const keyUsage = extension(id_ce_keyUsage, KeyUsage);
  const ski = extension(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier);
  const aki = extension(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier);
  const signatureOid = asn.signatureAlgorithm.algorithm;
  return {
    signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureOid] ?? signatureOid,
    keyUsages:
      keyUsage === undefined
        ? undefined
        : KEY_USAGE_NAMES.filter(([flag]) => (keyUsage.toNumber() & flag) !== 0).map(([, n]) => n),
    subjectKeyId: ski === undefined ? undefined : hex(ski.buffer),
    authorityKeyId: aki?.keyIdentifier === undefined ? undefined : hex(aki.keyIdentifier.buffer),
  };
}

/** `eager` plus, for each function in `lazy`, a field computed on first read and then kept. */
function withLazyFields<E extends object, L extends Record<string, () => unknown>>(
  eager: E,
  lazy: L,
): E & { readonly [K in keyof L]: ReturnType<L[K]> } {
  const target = { ...eager };
  for (const [name, compute] of Object.entries(lazy)) {
    Object.defineProperty(target, name, { enumerable: true, get: memoize(compute) });
  }
  return target as E & { readonly [K in keyof L]: ReturnType<L[K]> };
}

/**
 * Node's native parser gives most fields, each read on first use: a full ASN.1 parse per leaf was
 * once the largest cost of `check --proxy` on the CLI side (docs/performance.md). A certificate
 * already parsed by the TLS layer is taken as it is instead of being parsed again.
 */
function parseCertificate(source: Uint8Array | X509Certificate): CertificateInfo {
  const cert = source instanceof X509Certificate ? source : new X509Certificate(source);
  // The closures below hold the DER, never `cert`: release() must be able to let it go.
  const der = source instanceof X509Certificate ? new Uint8Array(source.raw) : source;
  // After release(), parsed again from the DER.
  const parsed = (): X509Certificate => native.get(info) ?? new X509Certificate(der);
  // The ASN.1-only fields come from one parse, the first time any of them is read.
  const asn = memoize(() => asnFields(der));
  const info: CertificateInfo = withLazyFields(
    {
      notBefore: new Date(Date.parse(cert.validFrom)),
      notAfter: new Date(Date.parse(cert.validTo)),
      isCA: cert.ca,
      // Node's `keyUsage` is the extended key usage list.
      extKeyUsages: cert.keyUsage,
      der,
    },
    {
      // Node prints one RDN per line; meshlens shows them comma-separated.
      subject: () => parsed().subject.split("\n").join(", "),
      issuer: () => parsed().issuer.split("\n").join(", "),
      commonName: () => /^CN=(.*)$/m.exec(parsed().subject)?.[1] ?? "",
      serial: () => BigInt(`0x${parsed().serialNumber || "0"}`).toString(10),
      publicKey: () => describePublicKey(parsed().publicKey),
      dnsNames: () =>
        (parsed().subjectAltName ?? "")
          .split(", ")
          .flatMap((name) => (name.startsWith("DNS:") ? [name.slice(4)] : [])),
      fingerprintSha256: () => createHash("sha256").update(der).digest("hex"),
      signatureAlgorithm: () => asn().signatureAlgorithm,
      keyUsages: () => asn().keyUsages,
      subjectKeyId: () => asn().subjectKeyId,
      authorityKeyId: () => asn().authorityKeyId,
    },
  );
  native.set(info, cert);
  return info;
}

/**
 * Lets go of the native certificate behind `info`: its fields still answer (from the DER, parsed
 * again when first asked), but it can no longer be verified or be a verifier.
 */
function release(info: CertificateInfo): void {
  native.delete(info);
}

function validityError(cert: CertificateInfo, now: Date): string | undefined {
  if (now < cert.notBefore) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is before ${rfc3339(cert.notBefore)}`;
  }
  if (now > cert.notAfter) {
    return `x509: certificate has expired or is not yet valid: current time ${rfc3339(now)} is after ${rfc3339(cert.notAfter)}`;
  }
  return undefined;
}

async function signatureError(
  child: CertificateInfo,
  parent: CertificateInfo,
): Promise<string | undefined> {
  // Go CheckSignatureFrom: the parent must be allowed to sign certificates.
  if (!parent.isCA)
    return "x509: invalid signature: parent certificate cannot sign this kind of certificate";
  if (parent.keyUsages !== undefined && !parent.keyUsages.includes("keyCertSign")) {
    return "x509: invalid signature: parent certificate cannot sign this kind of certificate";
  }
  const childCert = native.get(child);
  const parentCert = native.get(parent);
  if (childCert === undefined || parentCert === undefined)
    return "x509: certificate was not parsed";
  try {
    if (childCert.verify(parentCert.publicKey)) return undefined;
  } catch {
    // A key Node cannot verify with counts as a failed signature, as in Go.
  }
  return parent.publicKey.algorithm === "RSA"
    ? "crypto/rsa: verification error"
    : "x509: ECDSA verification failure";
}

function hostnameError(leaf: CertificateInfo, dnsName: string): string | undefined {
  const wanted = dnsName.toLowerCase();
  const matches = leaf.dnsNames.some((name) => {
    const pattern = name.toLowerCase();
    if (pattern.startsWith("*.")) {
      const dot = wanted.indexOf(".");
      return dot > 0 && wanted.slice(dot) === pattern.slice(1);
    }
    return pattern === wanted;
  });
  if (matches) return undefined;
  if (leaf.dnsNames.length === 0) {
    return `x509: certificate is not valid for any names, but wanted to match ${dnsName}`;
  }
  return `x509: certificate is valid for ${leaf.dnsNames.join(", ")}, not ${dnsName}`;
}

function allowsServerAuth(cert: CertificateInfo): boolean {
  const usages = cert.extKeyUsages;
  return (
    usages === undefined ||
    usages.length === 0 ||
    usages.includes(SERVER_AUTH) ||
    usages.includes(ANY_EXTENDED_KEY_USAGE)
  );
}

function candidateName(cert: CertificateInfo): string {
  return cert.commonName !== "" ? cert.commonName : `serial:${cert.serial}`;
}

/**
 * Chain building after Go's `(*Certificate).Verify`: parents are matched by subject (AKI/SKI when
 * both are present), must verify the child's signature, be CAs and be within their validity; the
 * first failure of a candidate becomes the hint of `signed by unknown authority`. Subject equal to
 * issuer does not mean self-signed: upstream fixtures give issuer and anchor the same subject.
 */
async function verifyChain(
  leaf: CertificateInfo,
  intermediates: CertificateInfo[],
  roots: CertificateInfo[],
  options: VerifyOptions,
): Promise<ChainVerification> {
  const inDate = (cert: CertificateInfo) =>
    options.ignoreValidity ? undefined : validityError(cert, options.now);
  const leafValidity = inDate(leaf);
  if (leafValidity !== undefined) return { ok: false, error: leafValidity };
  if (options.dnsName !== undefined && options.dnsName !== "") {
    const hostError = hostnameError(leaf, options.dnsName);
    if (hostError !== undefined) return { ok: false, error: hostError };
  }

  let hint: { error: string; candidate: CertificateInfo } | undefined;
  const chains: CertificateInfo[][] = [];
  const isRoot = new Set(roots);

  const extend = async (chain: CertificateInfo[], depth: number): Promise<void> => {
    const child = chain[chain.length - 1];
    if (child === undefined || depth > 8) return;
    const childNative = native.get(child);
    const candidates = [...roots, ...intermediates].filter((candidate) => {
      // Already in the chain? Dates first: a fingerprint costs a hash, and most candidates differ.
      const inChain = (member: CertificateInfo) =>
        member === candidate ||
        (member.notAfter.getTime() === candidate.notAfter.getTime() &&
          member.fingerprintSha256 === candidate.fingerprintSha256);
      if (chain.some(inChain)) return false;
      // OpenSSL's native issuer test (names, key identifiers) first; the ASN.1 fields only if it says no.
      const candidateNative = native.get(candidate);
      if (childNative && candidateNative && childNative.checkIssued(candidateNative)) return true;
      return (
        candidate.subject === child.issuer &&
        (child.authorityKeyId === undefined ||
          candidate.subjectKeyId === undefined ||
          child.authorityKeyId === candidate.subjectKeyId)
      );
    });
    for (const candidate of candidates) {
      const error = (await signatureError(child, candidate)) ?? inDate(candidate);
      if (error !== undefined) {
        hint ??= { error, candidate };
        continue;
      }
      if (isRoot.has(candidate)) chains.push([...chain, candidate]);
      else await extend([...chain, candidate], depth + 1);
    }
  };
  await extend([leaf], 0);

  if (chains.length === 0) {
    const because =
      hint === undefined
        ? ""
        : ` (possibly because of ${JSON.stringify(hint.error)} while trying to verify candidate authority certificate ${JSON.stringify(candidateName(hint.candidate))})`;
    return { ok: false, error: `x509: certificate signed by unknown authority${because}` };
  }
  // Go treats empty KeyUsages as ExtKeyUsageServerAuth and checks it along the whole chain.
  const usable = chains.find((chain) => chain.every(allowsServerAuth));
  if (usable === undefined) {
    return { ok: false, error: "x509: certificate specifies an incompatible key usage" };
  }
  return { ok: true, chain: usable };
}

const KEY_FORMATS: Record<string, "sec1" | "pkcs1" | "pkcs8"> = {
  "EC PRIVATE KEY": "sec1",
  "RSA PRIVATE KEY": "pkcs1",
  "PRIVATE KEY": "pkcs8",
};

function checkKeyPair(
  keyPem: string,
  certificate: CertificateInfo,
): { ok: true } | { ok: false; error: string } {
  // Errors never quote the key: only its PEM block type is ever named.
  const block = decodeFirstBlock(keyPem);
  if (block === undefined) return { ok: false, error: "not PEM-encoded" };
  const format = KEY_FORMATS[block.type];
  if (format === undefined) return { ok: false, error: `unsupported block type: '${block.type}'` };
  let publicDer: Buffer;
  try {
    const key = createPrivateKey({ key: Buffer.from(block.der), format: "der", type: format });
    if (format === "pkcs8" && key.asymmetricKeyType !== "ec" && key.asymmetricKeyType !== "rsa") {
      return { ok: false, error: `unsupported private key type: ${key.asymmetricKeyType}` };
    }
    publicDer = createPublicKey(key).export({ type: "spki", format: "der" });
  } catch {
    return { ok: false, error: `failed to parse ${block.type}` };
  }
  const certSpki = native.get(certificate)?.publicKey.export({ type: "spki", format: "der" });
  if (certSpki === undefined || !certSpki.equals(publicDer)) {
    return { ok: false, error: "tls: Public and private key do not match" };
  }
  return { ok: true };
}

export const certTools: CertTools = { parseCertificate, verifyChain, checkKeyPair, release };
