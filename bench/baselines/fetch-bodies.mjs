// The floor for `meshlens edges` reading proxies directly: one paged pod LIST, then every meshed
// pod's /metrics through the API server's pod proxy with the same concurrency, kept-alive
// connections and gzip, the bodies read and thrown away (no parsing, no computing).
//   node bench/baselines/fetch-bodies.mjs KUBECONFIG CONCURRENCY
import { readFileSync } from "node:fs";
import { Agent, get } from "node:https";
import { load as parse } from "js-yaml";

const [kubeconfigPath, concurrencyText = "16"] = process.argv.slice(2);
const config = parse(readFileSync(kubeconfigPath, "utf8"));
const server = config.clusters[0].cluster.server;
const ca = Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64");
const token = config.users[0].user.token;
const agent = new Agent({ keepAlive: true, maxSockets: 16, ca });
const headers = { authorization: `Bearer ${token}`, "accept-encoding": "gzip" };

function fetchBytes(path) {
  return new Promise((resolve, reject) => {
    get(new URL(path, server), { agent, headers }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve(Buffer.concat(chunks)));
      response.on("error", reject);
    }).on("error", reject);
  });
}

const pods = [];
let cont = "";
do {
  const page = JSON.parse(
    (await fetchBytes(`/api/v1/pods?limit=500${cont ? `&continue=${cont}` : ""}`)).toString(),
  );
  pods.push(...page.items);
  cont = page.metadata?.continue ?? "";
} while (cont);
const meshed = pods.filter(
  (pod) =>
    pod.status?.phase === "Running" &&
    [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some(
      (c) => c.name === "linkerd-proxy",
    ),
);
let next = 0;
let bytes = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < meshed.length) {
      const pod = meshed[next++];
      const body = await fetchBytes(
        `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}:4191/proxy/metrics`,
      );
      bytes += body.length;
    }
  }),
);
agent.destroy();
console.log(`${meshed.length} bodies, ${bytes} bytes`);
