// What Linkerd's identity controller does for the simulator (linkerd2 pkg/identity/service.go,
// controller/cmd/identity/main.go): when its pod starts it loads the trust anchors (only then) and the
// issuer; it watches the issuer Secret and takes a new issuer only if it verifies against the anchors
// it loaded, recording IssuerUpdated or IssuerUpdateSkipped on deployment/linkerd-identity; and it
// signs each proxy's 24-hour leaf with the issuer it holds, refusing while that issuer is not valid.
// @peculiar/x509 needs reflect-metadata loaded first.
import "reflect-metadata";
import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { decodeCertificateBundle, encodePem } from "../shared/pem.js";
import { rfc3339 } from "../shared/time.js";
import { chainsTo, type Issued, issueCertificate, parseBundle } from "./pki.js";
import { anchorsAtStart } from "./pod-proxy.js";
import type { KubeObject, ObjectStore } from "./store.js";

/** Linkerd's default leaf lifetime (values identity.issuer.issuanceLifetime: 24h0m0s). */
export const LEAF_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** linkerd2-proxy renews its certificate at 70% of its lifetime (linkerd/proxy/identity-client). */
export const REFRESH_AT = 0.7;

/** The issuer in the store's linkerd-identity-issuer Secret, as a signer, or undefined when unusable. */
export async function issuerFromStore(
  store: ObjectStore,
  namespace: string,
): Promise<Issued | undefined> {
  const secret = store.get(
    { apiVersion: "v1", kind: "Secret" },
    namespace,
    "linkerd-identity-issuer",
  );
  const data = (secret?.data ?? {}) as Record<string, string>;
  const decode = (key: string) =>
    data[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8");
  const certPem = decode("crt.pem") ?? decode("tls.crt");
  const keyPem = decode("key.pem") ?? decode("tls.key");
  if (certPem === undefined || keyPem === undefined) return undefined;
  const blocks = decodeCertificateBundle(certPem);
  if (!blocks.ok || blocks.value[0] === undefined) return undefined;
  try {
    // Any PEM key form (SEC1, PKCS#1, PKCS#8) to the PKCS#8 WebCrypto imports.
    const pkcs8 = createPrivateKey(keyPem).export({ type: "pkcs8", format: "der" });
    const cert = new x509.X509Certificate(blocks.value[0]);
    const algorithm = cert.publicKey.algorithm as { name: string; namedCurve?: string };
    if (algorithm.name !== "ECDSA") return undefined;
    const curve = algorithm.namedCurve === "P-384" ? "P-384" : "P-256";
    const privateKey = await webcrypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      { name: "ECDSA", namedCurve: curve },
      false,
      ["sign"],
    );
    const publicKey = await cert.publicKey.export(
      webcrypto as unknown as Parameters<typeof cert.publicKey.export>[0],
    );
    return {
      cert,
      keys: { privateKey, publicKey } as webcrypto.CryptoKeyPair,
      algorithm: curve,
      certPem: encodePem("CERTIFICATE", blocks.value[0]),
      keyPem: "",
    };
  } catch {
    return undefined;
  }
}

export interface LeafRequest {
  identity: string;
  notBefore: Date;
  notAfter: Date;
}

/** Issues proxy leaves the way the identity controller does: CN and DNS SAN = the identity. */
export async function issueLeaf(issuer: Issued, request: LeafRequest): Promise<Issued> {
  return issueCertificate({
    commonName: request.identity,
    dnsNames: [request.identity],
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    serverAuth: true,
    clientAuth: true,
    signer: issuer,
  });
}

export interface IdentityServiceOptions {
  store: ObjectStore;
  namespace: string;
  clock: () => Date;
  /** A drifted identity service (a scenario): it signs with this and never saw the Secret change. */
  pinnedIssuer?: Issued | undefined;
  /** The issuer that signed the leaves of the proxies found running (default: the one it holds). */
  earlierIssuer?: Issued | undefined;
}

const IDENTITY_NAME_IN = (namespace: string) => `identity.${namespace}.cluster.local`;

export class IdentityService {
  private roots: x509.X509Certificate[] = [];
  private issuer: Issued | undefined;
  private podUid: string | undefined;
  private secretVersion: string | undefined;
  private events = 0;
  private readonly options: IdentityServiceOptions;

  private constructor(options: IdentityServiceOptions) {
    this.options = options;
  }

  /**
   * The controller as the simulator starts: it has been running since before the scenario's
   * state, so it holds the Secret's issuer (or the pinned one) whether or not it verifies.
   */
  static async start(options: IdentityServiceOptions): Promise<IdentityService> {
    const service = new IdentityService(options);
    const pod = service.pod();
    service.podUid = pod?.metadata.uid;
    service.secretVersion = service.secret()?.metadata.resourceVersion;
    service.roots = pod === undefined ? [] : parseBundle(anchorsAtStart(pod, options.store));
    service.issuer =
      options.pinnedIssuer ?? (await issuerFromStore(options.store, options.namespace));
    return service;
  }

  /** What signed the leaves of the proxies the simulator found running, valid or not. */
  heldIssuer(): { issuer: Issued } | undefined {
    const issuer = this.options.earlierIssuer ?? this.issuer;
    return issuer === undefined ? undefined : { issuer };
  }

  /** The issuer new leaves are signed with, or why there is none to sign with now. */
  signer(): { issuer: Issued } | { error: string } {
    if (this.issuer === undefined) return { error: "cert issuer not ready yet" };
    const now = this.options.clock();
    const { notBefore, notAfter } = this.issuer.cert;
    if (now < notBefore || now > notAfter)
      return { error: "x509: certificate has expired or is not yet valid" };
    return { issuer: this.issuer };
  }

  /** After every write: a new identity pod reloads everything; otherwise a new Secret is weighed. */
  async sync(): Promise<void> {
    const pod = this.pod();
    const secretVersion = this.secret()?.metadata.resourceVersion;
    if (pod !== undefined && pod.metadata.uid !== this.podUid) {
      this.podUid = pod.metadata.uid;
      this.secretVersion = secretVersion;
      this.roots = parseBundle(anchorsAtStart(pod, this.options.store));
      const loaded = await issuerFromStore(this.options.store, this.options.namespace);
      // A process that cannot verify its issuer exits (log.Fatalf): no issuer until it can.
      this.issuer =
        loaded !== undefined && (await chainsTo(loaded.cert, this.roots, this.options.clock()))
          ? loaded
          : undefined;
      return;
    }
    if (secretVersion === this.secretVersion) return;
    this.secretVersion = secretVersion;
    const loaded = await issuerFromStore(this.options.store, this.options.namespace);
    const skipped = (why: string) =>
      this.record(
        "Warning",
        "IssuerUpdateSkipped",
        `Skipping issuer update as certs could not be read from disk: ${why}`,
      );
    if (loaded === undefined) return skipped("failed to read CA from disk");
    if (!(await chainsTo(loaded.cert, this.roots, this.options.clock())))
      return skipped(
        `failed to verify issuer credentials for '${IDENTITY_NAME_IN(this.options.namespace)}' with trust anchors: x509: certificate signed by unknown authority`,
      );
    this.issuer = loaded;
    this.record("Normal", "IssuerUpdated", "Updated identity issuer");
  }

  private pod(): KubeObject | undefined {
    return this.options.store
      .list({ apiVersion: "v1", kind: "Pod" }, this.options.namespace)
      .find(
        (pod) =>
          pod.metadata.labels?.["linkerd.io/control-plane-component"] === "identity" &&
          (pod.status as { phase?: string } | undefined)?.phase === "Running",
      );
  }

  private secret(): KubeObject | undefined {
    return this.options.store.get(
      { apiVersion: "v1", kind: "Secret" },
      this.options.namespace,
      "linkerd-identity-issuer",
    );
  }

  /** An Event on deployment/linkerd-identity, as the controller's recorder writes it. */
  private record(type: "Normal" | "Warning", reason: string, message: string): void {
    this.events += 1;
    const time = rfc3339(this.options.clock());
    this.options.store.put({
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `linkerd-identity.${this.events.toString(16).padStart(16, "0")}`,
        namespace: this.options.namespace,
      },
      involvedObject: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "linkerd-identity",
        namespace: this.options.namespace,
      },
      type,
      reason,
      message,
      source: { component: "linkerd-identity" },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    });
  }
}
