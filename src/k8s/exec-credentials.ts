// Exec credential plugins (kubeconfig `users[].user.exec`: aws eks get-token, gke-gcloud-auth-plugin,
// kubelogin, …) run as client-go runs them: once, with the credential kept until its
// expirationTimestamp, or for the whole run when it has none, and never twice at the same time
// (k8s.io/client-go/plugin/pkg/client/auth/exec). client-node 1.4's ExecAuth (exec_auth.js
// getCredential) keeps a credential only when it has an expirationTimestamp and starts the plugin
// again for every request that arrives before the first run answers. meshlens makes a request per
// proxy (its port-forward), so a plugin without expiry ran once per pod (docs/performance.md).

// client-go has no deadline for a plugin; one that hangs (a login prompt with no terminal, a stuck
// network call) would hold the run until the request timeout and then be named as the API call that
// timed out, with the plugin left running. Here the plugin gets the request timeout, is named when
// it passes, and is ended then, or when the run is interrupted.

import type { ChildProcess } from "node:child_process";
import type { KubeConfig, User } from "@kubernetes/client-node";

interface ExecCredential {
  status?: { expirationTimestamp?: string };
}

type Spawn = (command: string, args: string[], options: object) => ChildProcess;

type CredentialSource = {
  getCredential(user: User): Promise<ExecCredential | null>;
  /** How client-node's ExecAuth starts the plugin (child_process.spawn). */
  execFn: Spawn;
};

class PluginTimeout extends Error {
  constructor(timeoutMs: number) {
    super(
      `did not answer within ${timeoutMs / 1000}s and was stopped (does it wait for a login? run it in a terminal, or raise --request-timeout)`,
    );
  }
}

/** The kubeconfig's credential plugin failed: its own words, not a network problem. */
export class CredentialPluginError extends Error {
  constructor(command: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const notFound = (cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
    const plugin = `the kubeconfig's credential plugin "${command}"`;
    super(
      notFound
        ? `${plugin} was not found (is it installed, and on PATH?)`
        : cause instanceof PluginTimeout
          ? `${plugin} ${cause.message}`
          : `${plugin} failed: ${detail.trim() || "no output"}`,
    );
    this.name = "CredentialPluginError";
  }
}

export interface PluginLimits {
  /** How long one run of the plugin may take before it is ended. */
  timeoutMs: number;
  /** Ends running plugins (Ctrl-C). */
  signal?: AbortSignal;
}

/** client-node's exec authenticator among the KubeConfig's (a private field, pinned by the version). */
function execAuthenticator(config: KubeConfig): CredentialSource | undefined {
  const authenticators = (config as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  return authenticators.find(
    (a): a is CredentialSource =>
      typeof a === "object" &&
      a !== null &&
      "tokenCache" in a &&
      typeof (a as Partial<CredentialSource>).getCredential === "function",
  );
}

/**
 * Makes `config` run each user's exec plugin as client-go does (see above). Call before the first
 * request. Without an exec authenticator (another client-node), it changes nothing. What it
 * returns forgets the kept credentials, so the next request runs the plugin again (after the API
 * server answered 401: the token expired before its expirationTimestamp said).
 */
export function shareExecCredentials(
  config: KubeConfig,
  limits: PluginLimits = { timeoutMs: 30_000 },
  now = () => Date.now(),
): { forget(): void } {
  const source = execAuthenticator(config);
  if (source === undefined) return { forget: () => undefined };
  // Every plugin process client-node starts, so a late or interrupted one can be ended.
  const running = new Set<ChildProcess>();
  const spawn = source.execFn;
  source.execFn = (command, args, options) => {
    const child = spawn(command, args, options);
    running.add(child);
    child.once("exit", () => running.delete(child));
    return child;
  };
  const stopAll = () => {
    for (const child of running) child.kill("SIGTERM");
  };
  limits.signal?.addEventListener("abort", stopAll, { once: true });
  const withDeadline = (credential: Promise<ExecCredential | null>) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stopAll();
        reject(new PluginTimeout(limits.timeoutMs));
      }, limits.timeoutMs);
      timer.unref();
    });
    return Promise.race([credential, late]).finally(() => clearTimeout(timer));
  };
  const original = source.getCredential.bind(source);
  const run = (user: User) => withDeadline(original(user));
  const kept = new Map<string, { credential: Promise<ExecCredential | null>; expiresAt: number }>();
  source.getCredential = (user: User) => {
    const entry = kept.get(user.name);
    // Shared while in flight (expiry not known yet: NaN) and until it expires.
    if (entry !== undefined && (Number.isNaN(entry.expiresAt) || entry.expiresAt > now()))
      return entry.credential;
    const command = user.exec?.command ?? "exec";
    const credential = run(user).catch((error: unknown) => {
      throw new CredentialPluginError(command, error);
    });
    const fresh = { credential, expiresAt: Number.NaN };
    kept.set(user.name, fresh);
    credential.then(
      (value) => {
        const expiry = Date.parse(value?.status?.expirationTimestamp ?? "");
        fresh.expiresAt = Number.isNaN(expiry) ? Number.POSITIVE_INFINITY : expiry;
      },
      // A failed run is not kept: the next request asks the plugin again.
      () => {
        if (kept.get(user.name) === fresh) kept.delete(user.name);
      },
    );
    return credential;
  };
  return {
    forget() {
      // Ours, and client-node's own cache of credentials that carry an expiry.
      kept.clear();
      const cache = (source as unknown as { tokenCache?: Record<string, unknown> }).tokenCache;
      if (cache !== undefined) for (const name of Object.keys(cache)) cache[name] = null;
    },
  };
}
