import { describe, expect, it } from "vitest";
import {
  commandLineUsesTls,
  needsRootStoreWarmup,
  warmRootStore,
} from "../../src/k8s/root-store-warmup.js";

describe("the TLS root store warm-up", () => {
  it("runs on Node 20 and 21 only (22 and later build the store lazily)", () => {
    expect(needsRootStoreWarmup("20.19.0")).toBe(true);
    expect(needsRootStoreWarmup("21.7.3")).toBe(true);
    expect(needsRootStoreWarmup("22.23.5")).toBe(false);
    expect(needsRootStoreWarmup("24.22.3")).toBe(false);
    expect(warmRootStore("24.22.3")).toBeUndefined();
  });

  it("starts for the commands that reach a cluster, not for help", () => {
    for (const command of ["check", "identity", "edges", "tap", "rotation", "demo"])
      expect(commandLineUsesTls(["--context", "prod", command])).toBe(true);
    expect(commandLineUsesTls(["rotation", "--help"])).toBe(false);
    expect(commandLineUsesTls(["completion", "bash"])).toBe(false);
  });

  it("builds the store in a worker that ends by itself, without error", async () => {
    const worker = warmRootStore("20.20.2");
    expect(worker).toBeDefined();
    const ended = await new Promise<{ code: number; error?: Error }>((resolve) => {
      worker?.once("error", (error) => resolve({ code: -1, error }));
      worker?.once("exit", (code) => resolve({ code }));
    });
    expect(ended).toEqual({ code: 0 });
  });

  it("is only a head start: a thread that cannot start is not an error", () => {
    const noThreads = () => {
      throw Object.assign(new Error("cannot start a thread"), { code: "ERR_WORKER_INIT_FAILED" });
    };
    expect(warmRootStore("20.20.2", noThreads)).toBeUndefined();
  });
});
