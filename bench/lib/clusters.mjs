// The simulated clusters the benchmarks and scripts measure on, started the same way everywhere.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { startSimulator } from "../../dist-tools/sim.js";
import { root } from "./harness.mjs";

/** The `scale` scenario: `pods` meshed pods, a hundred a namespace, proxies reached through the API. */
export function scaleCluster(dir, pods, extra = {}) {
  return startSimulator({
    scenario: "scale",
    scale: { pods, namespaces: Math.max(1, Math.round(pods / 100)) },
    kubeconfigPath: join(dir, "kubeconfig"),
    proxyPorts: false,
    ...extra,
  });
}

/**
 * A scale cluster for a benchmark, timed, and the benchmark's header line saying its size:
 * `${title} (node …, N meshed pods, simulator started in S s)`.
 */
export async function startScaleBenchmark(dir, pods, title) {
  const started = performance.now();
  const sim = await scaleCluster(dir, pods);
  const meshed = sim.proxies.all().length;
  const startedIn = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${title} (node ${process.version}, ${meshed} meshed pods, simulator started in ${startedIn} s)\n`,
  );
  return { sim, meshed };
}

/** `check --proxy` as the benchmarks run it: no waiting, only problems printed. */
export function checkProxyArgs(kubeconfigPath) {
  return ["--kubeconfig", kubeconfigPath, "check", "--proxy", "--wait", "0s", "-o", "short"];
}

/**
 * A tap recording of at least `events` events: the first `frames` frames the simulator's tap
 * server sends for emojivoto's web (on `scenario`), repeated. Made in `dir`.
 */
export async function tapRecording(dir, events, { frames = 300, scenario = "healthy" } = {}) {
  const live = await startSimulator({ scenario, kubeconfigPath: join(dir, "kubeconfig") });
  let recorded;
  try {
    const splitFrames = join(root, "bench", "baselines", "split-frames.mjs");
    recorded = await new Promise((resolve, reject) =>
      execFile(
        process.execPath,
        [splitFrames, live.kubeconfigPath, "--record", String(frames)],
        { maxBuffer: 1 << 26 },
        (error, stdout) => (error ? reject(error) : resolve(Buffer.from(stdout.trim(), "base64"))),
      ),
    );
  } finally {
    await live.close();
  }
  const copies = Math.max(1, Math.ceil(events / frames));
  return {
    bytes: Buffer.concat(Array.from({ length: copies }, () => recorded)),
    events: copies * frames,
    frameBytes: recorded.length / frames,
  };
}
