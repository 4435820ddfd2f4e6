// Node 20 builds its store of 144 bundled root certificates the first time any TLS context is
// made, even one given its own `ca` (the kubeconfig's): SecureContext::AddCACert compares the
// context's store with the process-wide root store, creating it (src/crypto/crypto_context.cc,
// GetCertStoreOwnedByThisSecureContext): OpenSSL 3.0 decoding on the main thread just before the
// first API request, where Node 22 and 24 pay almost nothing (docs/performance.md). The store is
// shared by all threads, so on Node 20 a worker builds it on the other core while the main thread
// loads the code that will send that request.
import type { Worker } from "node:worker_threads";

/** Commands that make TLS connections: to the API server and proxies, or as the demo's server. */
const TLS_COMMANDS = new Set(["check", "identity", "edges", "tap", "rotation", "auth", "demo"]);

/** Whether a command line (arguments after the program's name) will make a TLS connection. */
export function commandLineUsesTls(args: readonly string[]): boolean {
  const asksForHelp = args.includes("--help") || args.includes("-h") || args[0] === "help";
  return !asksForHelp && args.some((arg) => TLS_COMMANDS.has(arg));
}

/** The first Node major that no longer pays for the root store up front (measured on 22 and 24). */
const LAZY_ROOT_STORE_MAJOR = 22;

export function needsRootStoreWarmup(nodeVersion: string): boolean {
  return Number(nodeVersion.split(".")[0]) < LAZY_ROOT_STORE_MAJOR;
}

/**
 * Starts building the root store off the main thread when this Node would build it on the first
 * TLS connection; the worker does not keep the process alive. Returns it (for tests), if started.
 */
export function warmRootStore(
  nodeVersion = process.versions.node,
  startWorker = (code: string): Worker => {
    // Loaded here, not imported: the entry point imports this module; --version needs no thread.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    return new Worker(code, { eval: true });
  },
): Worker | undefined {
  if (!needsRootStoreWarmup(nodeVersion)) return undefined;
  // Only a head start: if no thread can start, or it fails, the first connection builds the
  // store as it always did.
  let worker: Worker;
  try {
    worker = startWorker('require("node:tls").createSecureContext();');
  } catch {
    return undefined;
  }
  worker.unref();
  worker.on("error", () => {});
  return worker;
}
