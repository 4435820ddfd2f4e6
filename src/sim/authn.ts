// Who a request to the simulated API server acts as (k8s.io/apiserver authentication and
// impersonation): the bearer token's user (the kubeconfig's, in system:masters, or a service
// account's from a TokenRequest, as `kubectl create token` asks for one), then, with
// Impersonate-User and Impersonate-Group (`kubectl --as`, `--as-group`), the user it impersonates,
// if RBAC lets the token's user impersonate them. Every user is then held to RBAC.
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { authorize, impersonatedUser, type UserInfo } from "./rbac.js";
import type { RequestInfo } from "./request-info.js";
import type { ObjectStore } from "./store.js";

export const SIM_USER = "meshlens-sim-user";

/** The kubeconfig's user: an administrator, as kubeadm's admin.conf is (bound by group). */
export const ADMIN_USER: UserInfo = {
  name: SIM_USER,
  groups: ["system:masters", "system:authenticated"],
};

interface ServiceAccountToken {
  user: UserInfo;
  expiresAt: number;
}

export type Identity =
  | { user: UserInfo }
  | { refused: 401 }
  | { refused: 403; info: RequestInfo; user: UserInfo }
  | { refused: 500; message: string };

export class Authenticator {
  private readonly adminToken: string;
  private readonly revoked = new Set<string>();
  private readonly serviceAccounts = new Map<string, ServiceAccountToken>();
  private readonly store: ObjectStore;
  private readonly clock: () => Date;

  constructor(adminToken: string, store: ObjectStore, clock: () => Date) {
    this.adminToken = adminToken;
    this.store = store;
    this.clock = clock;
  }

  /**
   * The user a bearer header authenticates: the kubeconfig's token, any the tests' exec plugins
   * mint from it (`TOKEN.suffix`), or a service account's unexpired token; none once revoked.
   */
  private authenticated(header: string | undefined): UserInfo | undefined {
    if (header === undefined || this.revoked.has(header)) return undefined;
    if (header === `Bearer ${this.adminToken}` || header.startsWith(`Bearer ${this.adminToken}.`))
      return ADMIN_USER;
    const account = this.serviceAccounts.get(header);
    if (account === undefined || account.expiresAt <= this.clock().getTime()) return undefined;
    return account.user;
  }

  revoke(header: string | undefined): void {
    if (header !== undefined) this.revoked.add(header);
  }

  /** Who the request acts as, or why it is refused before RBAC looks at what it asks. */
  identify(request: IncomingMessage): Identity {
    const authenticated = this.authenticated(request.headers.authorization);
    if (authenticated === undefined) return { refused: 401 };
    const headers = request.headersDistinct;
    const name = headers["impersonate-user"]?.[0];
    const groups = headers["impersonate-group"] ?? [];
    if (name === undefined)
      return groups.length > 0 || headers["impersonate-uid"] !== undefined
        ? {
            refused: 500,
            message: "requested impersonation of groups or a uid without impersonating a user",
          }
        : { user: authenticated };
    // Impersonating is itself authorized (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go).
    const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(name);
    const asks: RequestInfo[] = [
      account
        ? impersonate("serviceaccounts", account[2] as string, account[1])
        : impersonate("users", name, undefined),
      ...groups.map((group) => impersonate("groups", group, undefined)),
    ];
    const refused = asks.find((info) => !authorize(this.store, authenticated, info));
    if (refused !== undefined) return { refused: 403, info: refused, user: authenticated };
    return { user: impersonatedUser(name, groups) };
  }

  /** A TokenRequest's answer: a token for the service account, valid for `seconds`. */
  tokenFor(namespace: string, name: string, seconds: number): { token: string; expiresAt: Date } {
    const token = `sa.${randomBytes(24).toString("base64url")}`;
    const expiresAt = new Date(this.clock().getTime() + seconds * 1000);
    this.serviceAccounts.set(`Bearer ${token}`, {
      user: impersonatedUser(`system:serviceaccount:${namespace}:${name}`, []),
      expiresAt: expiresAt.getTime(),
    });
    return { token, expiresAt };
  }
}

function impersonate(resource: string, name: string, namespace: string | undefined): RequestInfo {
  return {
    kind: "resource",
    verb: "impersonate",
    group: "",
    resource,
    subresource: "",
    namespace,
    name,
  };
}
