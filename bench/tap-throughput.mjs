// tap throughput: decoding and printing a recorded stream of realistic events (the tap
// server's labels on both sides, ~500 bytes a frame), replayed by the simulator's tap API in this
// process, written as text to a file. Against it, in the same run, the floor: a bare frame splitter
// (bench/baselines/split-frames.mjs) reading the same bytes from the same API. NODE_EXTRA_CA_CERTS is unset
// on both sides.
//
//   rate:    events/s of `meshlens tap deploy/web > file`, 1,000,000 events         goal >= 100,000
//   memory:  peak RSS after 1,000,000 events vs after 100,000                       goal within 10%
//
// BENCH_TAP_EVENTS (default 1000000) sets the size.
import { statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startSimulator } from "../dist-tools/sim.js";
import { tapRecording } from "./lib/clusters.mjs";
import { benchEnv, bin, root, runner, scratchRoot } from "./lib/harness.mjs";
import { report } from "./lib/report.mjs";

const count = Number(process.env.BENCH_TAP_EVENTS ?? 1_000_000);
const scratch = scratchRoot("tap");
const run = runner(benchEnv(scratch("home")));
const splitFrames = join(root, "bench", "baselines", "split-frames.mjs");

const { line, flatness, passed } = report();

console.log(`tap throughput (node ${process.version}, NODE_EXTRA_CA_CERTS unset)\n`);
const peaks = {};
for (const events of [count, Math.round(count / 10)]) {
  const recorded = await tapRecording(scratch("recording"), events);
  const sim = await startSimulator({
    kubeconfigPath: join(scratch("sim"), "kubeconfig"),
    tapReplay: recorded.bytes,
  });
  try {
    const out = join(scratch("out"), "tap.txt");
    // The recording ends the stream: --no-reconnect makes that the tap's end.
    const cli = [
      bin,
      "--kubeconfig",
      sim.kubeconfigPath,
      "tap",
      "deploy/web",
      "-n",
      "emojivoto",
      "--no-reconnect",
    ];
    const start = performance.now();
    const { stderr } = await run("/usr/bin/time", [
      "-f",
      "%M",
      "sh",
      "-c",
      `"$0" "$@" > ${out}`,
      ...cli,
    ]);
    const seconds = (performance.now() - start) / 1000;
    peaks[recorded.events] = Number(stderr.trim().split("\n").at(-1)) / 1024;
    if (events === count) {
      const floorStart = performance.now();
      await run(process.execPath, [splitFrames, sim.kubeconfigPath]);
      const floor = (performance.now() - floorStart) / 1000;
      const rate = recorded.events / seconds;
      line(
        `tap, text to a file (${recorded.events} events)`,
        rate.toFixed(0),
        "events/s",
        `${seconds.toFixed(1)} s, ${(statSync(out).size / 1e6).toFixed(0)} MB out; frame splitter ${floor.toFixed(1)} s, ratio ${(seconds / floor).toFixed(2)} (${recorded.frameBytes.toFixed(0)} B a frame)`,
        ">= 100000",
        rate >= 100_000,
      );
    }
  } finally {
    await sim.close();
  }
}
flatness(
  () => "  peak memory",
  peaks,
  1.1,
  (large, small, p, r) =>
    `after ${large} events; after ${small}: ${p[small].toFixed(0)} MB, ratio ${r.toFixed(2)}`,
);
process.exitCode = passed() ? 0 : 1;
