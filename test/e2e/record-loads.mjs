// Preloaded (`node --import`) by start-up.test.ts into the CLI it runs: appends the URL of every
// file and built-in module the CLI's ES module loader loads to $MESHLENS_LOAD_LOG, one per line.
import { register } from "node:module";

register(new URL("./record-loads-hooks.mjs", import.meta.url), {
  data: process.env.MESHLENS_LOAD_LOG,
});
