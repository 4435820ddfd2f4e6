// What `meshlens auth` knows and says: the permissions each command and mode needs, and whether
// the current credentials have them. Types only.

/** One RBAC permission, as a SelfSubjectAccessReview asks it and a Role rule grants it. */
export interface Permission {
  verb: string;
  /** The API group; "" is the core group. */
  group: string;
  resource: string;
  subresource?: string;
  /** Undefined: a cluster-scoped resource, or every namespace. */
  namespace?: string;
  /** The objects it is needed for; undefined: any (a LIST, or names not known beforehand). */
  names?: string[];
  /** What the command reads with it, in a few words. */
  why: string;
}

/** A command as it is run, with the flags that change what it reads. */
export type ModeId =
  | "check"
  | "check --proxy"
  | "check --proxy --no-verify-leaves"
  | "check --proxy --prometheus viz"
  | "identity"
  | "edges"
  | "edges --explain"
  | "edges --prometheus viz"
  | "tap"
  | "tap --explain"
  | "rotation"
  | "rotation --no-verify-leaves"
  | "expiry"
  | "expiry --no-verify-leaves"
  | "exporter";

export interface ModeRequirements {
  mode: ModeId;
  permissions: Permission[];
}

/** Where the command is pointed: the namespaces its reads fall in. */
export interface Scope {
  controlPlaneNamespace: string;
  vizNamespace: string;
  /** The workloads' namespace (-n); undefined: every namespace (-A, or the command's default). */
  namespace: string | undefined;
}

/** The answer for one mode: allowed, or the permissions missing, in the order the command needs them. */
export interface ModeVerdict {
  mode: ModeId;
  missing: Permission[];
}
