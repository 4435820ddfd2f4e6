// The composition root: everything a command touches arrives here, built once per run. Tests build
// a Context directly instead of mocking modules.
import { loadCertTools } from "./certs/load.js";
import type { CertTools } from "./certs/types.js";
import type { Cluster } from "./k8s/types.js";
import { createNotices, type Notices } from "./notices.js";
import type { Output } from "./output.js";
import { colorLevelFor, createTheme, type Theme } from "./render/theme.js";

export type { Output } from "./output.js";

/** Flags every command shares (kubectl's and Linkerd's names). */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  linkerdNamespace: string;
  /** --request-timeout: one API request, or the kubeconfig's credential plugin. */
  requestTimeoutMs: number;
  /** False with --no-color. */
  color: boolean;
  /** --as, --as-group, --as-uid: act as another user (the API server checks that user's RBAC). */
  impersonate?: { user: string; groups: string[]; uid: string | undefined };
  /** --verbose: say on stderr what happened behind the scenes (retries, lists read again). */
  verbose?: boolean;
}

export interface Context {
  out: Output;
  err: Output;
  env: Readonly<Record<string, string | undefined>>;
  theme: Theme;
  /** Colour for stdout results and for stderr (spinners) are decided separately. */
  stderrTheme: Theme;
  clock: () => Date;
  global: GlobalOptions;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** What the run says on stderr about its own waits (notices.ts). */
  notices: Notices;
  /** meshlens' version. */
  version: string;
  /**
   * Asks for SIGHUP as "reload" (a long-running command: the exporter refreshes) instead of
   * "stop"; returns the way to give it back.
   */
  onReload(listener: () => void): () => void;
  /** The cluster from the kubeconfig, behind the one lazy boundary for @kubernetes/client-node. */
  loadCluster(): Promise<Cluster>;
  /** Certificate tools, behind the one lazy boundary for @peculiar/x509. */
  loadCertTools(): Promise<CertTools>;
  /** The same context with other global flags (e.g. the demo pointing `check` at its kubeconfig). */
  withGlobal(global: Partial<GlobalOptions>): Context;
}

export interface ContextInput {
  global: GlobalOptions;
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  clock?: () => Date;
  version?: string;
  /** cli.ts' SIGHUP: a command that listens makes it a reload; none, and it stops the run. */
  onReload?: (listener: () => void) => () => void;
}

/** Linkerd waits 30 s per API request (pkg/healthcheck RequestTimeout). */
export const REQUEST_TIMEOUT_MS = 30_000;

export function createContext(input: ContextInput): Context {
  const out = input.stdout;
  const err = input.stderr;
  const themeFor = (output: Output) =>
    createTheme(
      colorLevelFor({ noColorFlag: !input.global.color, env: input.env, isTTY: output.isTTY }),
    );
  let cluster: Promise<Cluster> | undefined;
  const notices = createNotices(err, input.global.verbose === true);
  return {
    out,
    err,
    env: input.env,
    theme: themeFor(out),
    stderrTheme: themeFor(err),
    clock: input.clock ?? (() => new Date()),
    global: input.global,
    signal: input.signal,
    notices,
    version: input.version ?? "0.0.0-dev",
    onReload: input.onReload ?? (() => () => {}),
    loadCluster() {
      cluster ??= import("./k8s/kube-cluster.js").then(({ createKubeCluster }) =>
        createKubeCluster({
          kubeconfig: input.global.kubeconfig,
          context: input.global.context,
          env: input.env,
          requestTimeoutMs: input.global.requestTimeoutMs,
          signal: input.signal,
          onWait: (text, waitMs, kind) => notices.wait(text, waitMs, kind),
          onDetail: (text) => notices.detail(text),
          ...(input.global.impersonate ? { impersonate: input.global.impersonate } : {}),
        }),
      );
      return cluster;
    },
    loadCertTools,
    withGlobal: (global) => createContext({ ...input, global: { ...input.global, ...global } }),
  };
}
