// Preloaded (`node --import`) by start-up.test.ts into the CLI it runs: appends the URL of every
// file and built-in module the CLI's ES module loader loads to $MESHLENS_LOAD_LOG, one per line,
// and `worker` where the CLI starts a thread.
import { appendFileSync } from "node:fs";
import { register } from "node:module";
import workerThreads from "node:worker_threads";

register(new URL("./record-loads-hooks.mjs", import.meta.url), {
  data: process.env.MESHLENS_LOAD_LOG,
});

// A thread started by the CLI is logged as `worker` where it starts among the loads (the main
// thread logs it before it asks for its next module, so the order is the real one).
const { Worker } = workerThreads;
workerThreads.Worker = class extends Worker {
  constructor(...args) {
    appendFileSync(process.env.MESHLENS_LOAD_LOG, "worker\n");
    super(...args);
  }
};
