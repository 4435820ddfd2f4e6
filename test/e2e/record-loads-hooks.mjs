// Module loader hooks for record-loads.mjs; they run on the loader's own thread.
import { appendFileSync } from "node:fs";

let log;

export function initialize(path) {
  log = path;
}

export async function load(url, context, nextLoad) {
  if (log !== undefined && (url.startsWith("file:") || url.startsWith("node:")))
    appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
