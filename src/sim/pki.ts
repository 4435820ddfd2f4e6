// Certificate authority for the simulated cluster: trust anchors, issuers, webhook and API server
// certificates, generated at start-up the way `linkerd install` / `step certificate create` would.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { decodeCertificateBundle, encodePem } from "../shared/pem.js";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyAlgorithm = "P-256" | "P-384" | "RSA-2048" | "RSA-4096";

export interface Issued {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
  algorithm: KeyAlgorithm;
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  algorithm?: KeyAlgorithm;
  isCA?: boolean;
  pathLength?: number;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Extended key usages; omitted means no EKU extension. */
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** The signer; omitted means self-signed. */
  signer?: Issued;
}

function keyParams(
  algorithm: KeyAlgorithm,
): webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams {
  switch (algorithm) {
    case "P-256":
    case "P-384":
      return { name: "ECDSA", namedCurve: algorithm };
    case "RSA-2048":
    case "RSA-4096":
      return {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: algorithm === "RSA-2048" ? 2048 : 4096,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      };
  }
}

function signingAlgorithm(algorithm: KeyAlgorithm): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (algorithm === "P-384") return { name: "ECDSA", hash: "SHA-384" };
  if (algorithm === "P-256") return { name: "ECDSA", hash: "SHA-256" };
  return { name: "RSASSA-PKCS1-v1_5" };
}

let serialCounter = 0;
function nextSerial(): string {
  serialCounter += 1;
  const random = Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString("hex");
  // A positive serial: first nibble below 8.
  return `1${serialCounter.toString(16).padStart(3, "0")}${random}`;
}

/** Issues a certificate (and its key) signed by `signer`, or self-signed. */
export async function issueCertificate(options: IssueOptions): Promise<Issued> {
  const algorithm = options.algorithm ?? "P-256";
  const keys = (await webcrypto.subtle.generateKey(keyParams(algorithm), true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const extensions: x509.Extension[] = [];
  if (options.isCA) {
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      new x509.BasicConstraintsExtension(true, options.pathLength, true),
    );
  } else {
    extensions.push(
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.BasicConstraintsExtension(false, undefined, true),
    );
  }
  const ekus: string[] = [];
  if (options.serverAuth) ekus.push(x509.ExtendedKeyUsage.serverAuth);
  if (options.clientAuth) ekus.push(x509.ExtendedKeyUsage.clientAuth);
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus));
  const names = [
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (options.signer) {
    extensions.push(
      await x509.AuthorityKeyIdentifierExtension.create(options.signer.keys.publicKey),
    );
  }

  const signer = options.signer;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: `CN=${options.commonName}`,
    issuer: signer ? signer.cert.subject : `CN=${options.commonName}`,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: keys.publicKey,
    signingKey: signer ? signer.keys.privateKey : keys.privateKey,
    signingAlgorithm: signingAlgorithm(signer ? signer.algorithm : algorithm),
    extensions,
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    cert,
    keys,
    algorithm,
    certPem: encodePem("CERTIFICATE", new Uint8Array(cert.rawData)),
    keyPem: encodePem("PRIVATE KEY", pkcs8),
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export function daysFrom(now: Date, days: number): Date {
  return new Date(now.getTime() + days * DAY_MS);
}

/** The certificates of a PEM bundle (anything that does not parse is left out, as Go's pool does). */
export function parseBundle(pem: string): x509.X509Certificate[] {
  const blocks = decodeCertificateBundle(pem);
  if (!blocks.ok) return [];
  const certificates: x509.X509Certificate[] = [];
  for (const der of blocks.value) {
    try {
      certificates.push(new x509.X509Certificate(der));
    } catch {
      // not a certificate: no anchor
    }
  }
  return certificates;
}

/**
 * Whether `cert`, valid at `now`, was signed by one of `roots` (valid at `now` too): the check a
 * proxy makes of a new leaf's issuer against its anchors, and the identity controller of an issuer.
 */
export async function chainsTo(
  cert: x509.X509Certificate,
  roots: readonly x509.X509Certificate[],
  now: Date,
): Promise<boolean> {
  if (now < cert.notBefore || now > cert.notAfter) return false;
  for (const root of roots) {
    if (root.subject !== cert.issuer || now < root.notBefore || now > root.notAfter) continue;
    if (await cert.verify({ publicKey: root, signatureOnly: true })) return true;
  }
  return false;
}
