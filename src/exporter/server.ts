// Starts the exporter's scrape thread (scrape-thread.ts) and feeds it: after each refresh the main
// thread renders the exposition once, in both formats, and posts it; scrapes never touch the main
// thread.
import { Worker } from "node:worker_threads";
import type {
  Exposition,
  FromScrapeThread,
  ScrapeThreadData,
  ToScrapeThread,
} from "./scrape-thread.js";
import { scrapeThreadMain } from "./scrape-thread.js";

export interface ScrapeServer {
  /** Where it listens: `address:port`. */
  address: string;
  publish(text: Exposition, openMetrics: Exposition, ready: boolean): void;
  close(): Promise<void>;
}

export function startScrapeServer(options: ScrapeThreadData): Promise<ScrapeServer> {
  const worker = new Worker(`(${scrapeThreadMain.toString()})()`, {
    eval: true,
    workerData: options,
  });
  const post = (message: ToScrapeThread) => worker.postMessage(message);
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: FromScrapeThread) => {
      if (message.type === "error") {
        reject(new Error(message.message));
        return;
      }
      resolve({
        address: `${message.address}:${message.port}`,
        publish: (text, openMetrics, ready) =>
          post({ type: "exposition", text, openMetrics, ready }),
        close: () =>
          new Promise((done) => {
            worker.once("exit", () => done());
            post({ type: "close" });
          }),
      });
    });
  });
}
