// Each simulated proxy's identity client (linkerd2-proxy linkerd/proxy/identity-client and
// linkerd/meshtls creds/store.rs): the trust anchors it loaded when its container started, kept
// until the pod is replaced; a 24-hour leaf from the identity service, renewed at 70% of its
// lifetime; and a new leaf taken only if it chains to those anchors. A refused or failed renewal
// keeps the old leaf, even past its expiry, and is tried again a minute later.
import { createHash } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import type * as x509 from "@peculiar/x509";
import type { IdentityService } from "./identity-service.js";
import { issueLeaf, LEAF_LIFETIME_MS, REFRESH_AT } from "./identity-service.js";
import { chainsTo, type Issued, parseBundle } from "./pki.js";
import { anchorsAtStart } from "./pod-proxy.js";
import type { KubeObject, ObjectStore } from "./store.js";

export interface LeafState {
  leaf: Issued;
  /** The issuer certificate served after the leaf. */
  issuerPem: string;
  context: SecureContext;
  refreshedAt: Date;
  refreshes: { ok: number; error: number };
}

/** What the identity client needs to know of a proxy. */
export interface IdentityClientOf {
  namespace: string;
  pod: string;
  identity: string | undefined;
  podObject: KubeObject;
  /** The expired-leaf fault: the proxy never manages to renew. */
  neverRenews: boolean;
}

interface ProxyTrust {
  anchors: x509.X509Certificate[];
  /** Was running when the simulator started: its first leaf is as old as the scenario says. */
  presentAtStart: boolean;
}

const RETRY_MS = 60_000;

function hashFraction(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) / 0xffffffff;
}

export class ProxyIdentities {
  private readonly trust = new Map<string, ProxyTrust>();
  private readonly leaves = new Map<string, LeafState>();
  private readonly retryAt = new Map<string, number>();
  private readonly issuing = new Map<string, Promise<LeafState>>();
  private readonly store: ObjectStore;
  private readonly clock: () => Date;
  private readonly identity: IdentityService;
  private readonly started: Date;
  private startedUp = false;

  constructor(store: ObjectStore, clock: () => Date, identity: IdentityService) {
    this.store = store;
    this.clock = clock;
    this.identity = identity;
    this.started = clock();
  }

  /**
   * The pods with a proxy, after a write: a new pod loads its anchors now; a pod that is gone is
   * forgotten. The first call is the cluster as the simulator found it.
   */
  follow(pods: readonly KubeObject[]): void {
    const present = new Set<string>();
    for (const pod of pods) {
      const key = keyOf(pod);
      present.add(key);
      if (this.trust.has(key)) continue;
      this.trust.set(key, {
        anchors: parseBundle(anchorsAtStart(pod, this.store)),
        presentAtStart: !this.startedUp,
      });
    }
    this.startedUp = true;
    for (const map of [this.trust, this.leaves, this.retryAt]) {
      for (const key of map.keys()) if (!present.has(key)) map.delete(key);
    }
  }

  /** The anchors the proxy loaded at start (empty for a pod not followed). */
  anchorsOf(pod: KubeObject): readonly x509.X509Certificate[] {
    return this.trust.get(keyOf(pod))?.anchors ?? [];
  }

  /** The proxy's current leaf; rejects when it has never had one it could use. */
  leafOf(proxy: IdentityClientOf): Promise<LeafState> {
    const key = keyOf(proxy.podObject);
    const now = this.clock().getTime();
    const previous = this.leaves.get(key);
    if (previous !== undefined) {
      const due = previous.leaf.cert.notBefore.getTime() + LEAF_LIFETIME_MS * REFRESH_AT;
      if (proxy.neverRenews || now < due || now < (this.retryAt.get(key) ?? 0))
        return Promise.resolve(previous);
    }
    const pending = this.issuing.get(key);
    if (pending !== undefined) return pending;
    const issuing = this.renew(proxy, key, previous).finally(() => this.issuing.delete(key));
    this.issuing.set(key, issuing);
    return issuing;
  }

  private async renew(
    proxy: IdentityClientOf,
    key: string,
    previous: LeafState | undefined,
  ): Promise<LeafState> {
    const identity = proxy.identity;
    if (identity === undefined) throw new Error("the proxy has no identity");
    const now = this.clock();
    const trust = this.trust.get(key);
    const first = previous === undefined && (trust?.presentAtStart ?? true);
    // A proxy the scenario found running already holds a leaf from the issuer of the scenario,
    // trusted or not: the scenario is a state, not a history.
    const signer = first ? this.identity.heldIssuer() : this.identity.signer();
    const issuer = signer !== undefined && "issuer" in signer ? signer.issuer : undefined;
    const refused = (why: string): LeafState => {
      if (previous === undefined) throw new Error(why);
      this.retryAt.set(key, now.getTime() + RETRY_MS);
      previous.refreshes.error += 1;
      return previous;
    };
    if (issuer === undefined)
      return refused(
        signer !== undefined && "error" in signer
          ? signer.error
          : "the identity service has no usable issuer",
      );
    const notBefore = proxy.neverRenews
      ? new Date(this.started.getTime() - LEAF_LIFETIME_MS - 3_600_000)
      : first
        ? new Date(
            this.started.getTime() - hashFraction(key) * LEAF_LIFETIME_MS * (REFRESH_AT - 0.1),
          )
        : now;
    const leaf = await issueLeaf(issuer, {
      identity,
      notBefore,
      notAfter: new Date(notBefore.getTime() + LEAF_LIFETIME_MS),
    });
    if (!first && !(await chainsTo(issuer.cert, trust?.anchors ?? [], now)))
      return refused("the new certificate does not chain to the proxy's trust anchors");
    const state: LeafState = {
      leaf,
      issuerPem: issuer.certPem,
      context: createSecureContext({ cert: leaf.certPem + issuer.certPem, key: leaf.keyPem }),
      refreshedAt: notBefore,
      refreshes: {
        ok: (previous?.refreshes.ok ?? 0) + 1,
        error:
          (previous?.refreshes.error ?? 0) +
          (proxy.neverRenews ? Math.floor((now.getTime() - notBefore.getTime()) / 600_000) : 0),
      },
    };
    this.leaves.set(key, state);
    this.retryAt.delete(key);
    return state;
  }
}

function keyOf(pod: KubeObject): string {
  return pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
}
