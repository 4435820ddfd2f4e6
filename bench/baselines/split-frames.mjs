// The floor for `meshlens tap`: the same POST to the tap API, the answer split into frames (4-byte
// little-endian length) and counted, nothing decoded or printed.
//   node bench/baselines/split-frames.mjs KUBECONFIG              count the frames to the end
//   node bench/baselines/split-frames.mjs KUBECONFIG --record N   print the first N frames, base64
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { load as parse } from "js-yaml";

const [kubeconfigPath, flag, countText] = process.argv.slice(2);
const record = flag === "--record" ? Number(countText) : undefined;
const config = parse(readFileSync(kubeconfigPath, "utf8"));
const server = config.clusters[0].cluster.server;
const ca = Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64");
const token = config.users[0].user.token;

// TapByResourceRequest{target: {resource: {namespace: emojivoto, type: deployment, name: web}},
// match: {all: {}}, maxRps: 100}, written out by field number (lengths < 128).
const str = (field, text) => [(field << 3) | 2, text.length, ...Buffer.from(text)];
const msg = (field, ...bytes) => [(field << 3) | 2, bytes.length, ...bytes];
const resource = [...str(1, "emojivoto"), ...str(2, "deployment"), ...str(3, "web")];
const maxRps = Buffer.alloc(4);
maxRps.writeFloatLE(100);
const body = Buffer.from([
  ...msg(1, ...msg(1, ...resource)),
  ...msg(2, ...msg(1)),
  0x1d,
  ...maxRps,
]);

const path = "/apis/tap.linkerd.io/v1alpha1/watch/namespaces/emojivoto/deployments/web/tap";
const req = request(new URL(path, server), {
  method: "POST",
  ca,
  headers: { authorization: `Bearer ${token}`, "content-length": body.length },
});
let pending = Buffer.alloc(0);
let frames = 0;
const kept = [];
req.on("response", (response) => {
  response.on("data", (chunk) => {
    let bytes = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    while (bytes.length - at >= 4) {
      const length = bytes.readUInt32LE(at);
      if (bytes.length - at - 4 < length) break;
      if (record !== undefined) kept.push(bytes.subarray(at, at + 4 + length));
      at += 4 + length;
      frames += 1;
      if (record !== undefined && frames === record) {
        console.log(Buffer.concat(kept).toString("base64"));
        process.exit(0);
      }
    }
    bytes = bytes.subarray(at);
    pending = bytes;
  });
  response.on("end", () => console.log(`${frames} frames`));
});
req.end(body);
