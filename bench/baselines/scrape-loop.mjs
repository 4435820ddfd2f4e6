// Scrapes URL back to back until stdin closes, then prints each scrape's time in ms (JSON): the
// exporter benchmark's scraper, in a process of its own so that the simulator's work in the
// benchmark's process does not slow the scrapes it measures.
import { performance } from "node:perf_hooks";

const url = process.argv[2];
let open = true;
process.stdin.on("end", () => {
  open = false;
});
process.stdin.resume();
const times = [];
while (open) {
  const started = performance.now();
  await (await fetch(url)).text();
  times.push(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
process.stdout.write(JSON.stringify(times));
