// How tap reads a refusal, in each shape a real cluster sends one: the tap server's protohttp
// error (the linkerd-error header and an ApiError frame), its own JSON error when its
// SubjectAccessReview says no, and the API server's Status. Answered by a real HTTP server.
import { createServer, get, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeApiError } from "../../src/shared/tap-protocol.js";
import { failureOf } from "../../src/tap/client.js";
import type { TapQuery } from "../../src/tap/types.js";

const answers: Record<string, { status: number; headers: OutgoingHttpHeaders; body: Buffer }> = {};
const server = createServer((request, response) => {
  const answer = answers[request.url ?? ""];
  if (answer === undefined) return void response.writeHead(500).end();
  response.writeHead(answer.status, answer.headers).end(answer.body);
});
let base = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function frame(message: Uint8Array): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(message.length);
  return Buffer.concat([head, message]);
}

const query = {
  target: { type: "deployment", name: "web", namespace: "emojivoto" },
} as TapQuery;
const hint =
  'needs RBAC permission "watch" on "deployments/tap" in API group "tap.linkerd.io" in namespace "emojivoto"';

async function failure(path: string): Promise<string | undefined> {
  const response = await new Promise<IncomingMessage>((resolve) => get(`${base}${path}`, resolve));
  return failureOf(
    {
      status: response.statusCode ?? 0,
      header: (name) => response.headers[name] as string | undefined,
      body: response,
    },
    query,
  );
}

describe("a tap refused, in the three shapes", () => {
  it("linkerd-error and an ApiError frame: the frame's text, the permission when 403", async () => {
    answers["/protohttp"] = {
      status: 403,
      headers: { "linkerd-error": "Forbidden" },
      body: frame(encodeApiError("not allowed to tap")),
    };
    expect(await failure("/protohttp")).toBe(`not allowed to tap; ${hint}`);
    answers["/protohttp-404"] = {
      status: 404,
      headers: { "linkerd-error": "Not Found" },
      body: frame(encodeApiError('deployments.apps "web" not found')),
    };
    expect(await failure("/protohttp-404")).toBe('deployments.apps "web" not found');
  });

  it("the tap server's JSON error", async () => {
    answers["/json"] = {
      status: 403,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ error: "tap authorization failed (x)" })),
    };
    expect(await failure("/json")).toBe(`tap authorization failed (x); ${hint}`);
  });

  it("the API server's Status", async () => {
    answers["/status"] = {
      status: 403,
      headers: { "content-type": "application/json" },
      body: Buffer.from(JSON.stringify({ kind: "Status", message: "forbidden by RBAC" })),
    };
    expect(await failure("/status")).toBe(
      `HTTP error, status Code [403] (forbidden by RBAC); ${hint}`,
    );
  });

  it("a 200 is no failure", async () => {
    answers["/ok"] = { status: 200, headers: {}, body: Buffer.alloc(0) };
    expect(await failure("/ok")).toBeUndefined();
  });
});
