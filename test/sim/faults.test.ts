import { describe, expect, it } from "vitest";
import { FaultInjector, parseFaultRule } from "../../src/sim/faults.js";

describe("the simulator's fault rules", () => {
  it("parses demo --fault's syntax", () => {
    expect(parseFaultRule("/api=429,times=3")).toEqual({
      pathPrefix: "/api",
      fault: { kind: "retry-after", status: 429, seconds: 1 },
      times: 3,
    });
    expect(parseFaultRule("/=503,retry-after=4")).toEqual({
      pathPrefix: "/",
      fault: { kind: "retry-after", status: 503, seconds: 4 },
    });
    expect(parseFaultRule("/api/v1/pods=drop,after=1,times=1")).toEqual({
      pathPrefix: "/api/v1/pods",
      fault: { kind: "drop" },
      after: 1,
      times: 1,
    });
    expect(parseFaultRule("/=restart:1500").fault).toEqual({ kind: "restart", ms: 1500 });
    expect(parseFaultRule("/api/v1/pods=expire-continue").fault).toEqual({
      kind: "expire-continue",
    });
    expect(parseFaultRule("/=expire-token,after=5").fault).toEqual({ kind: "expire-token" });
    expect(parseFaultRule("/x=slow:20").fault).toEqual({ kind: "delay", ms: 20 });
  });

  it("refuses what it does not know, in one line", () => {
    expect(() => parseFaultRule("/api=418")).toThrow(/^unknown fault "418": a fault is PATH=SPEC/);
    expect(() => parseFaultRule("/api=429,often=3")).toThrow('unknown fault option "often=3"');
    expect(() => parseFaultRule("nothing")).toThrow(/^a fault is PATH=SPEC/);
  });

  it("lets `after` requests through, then fires `times` times", () => {
    const faults = new FaultInjector();
    faults.add({ pathPrefix: "/api", fault: { kind: "drop" }, after: 1, times: 2 });
    const fired = [1, 2, 3, 4].map(() => faults.match("/api/v1/pods").length);
    expect(fired).toEqual([0, 1, 1, 0]);
    expect(faults.match("/apis/apps/v1")).toHaveLength(0);
  });

  it("an expired continue token fires only on a LIST's next page", () => {
    const faults = new FaultInjector();
    faults.add({ pathPrefix: "/api/v1/pods", fault: { kind: "expire-continue" }, times: 1 });
    expect(faults.match({ path: "/api/v1/pods", continues: false })).toHaveLength(0);
    expect(faults.match({ path: "/api/v1/pods", continues: true })).toHaveLength(1);
    expect(faults.match({ path: "/api/v1/pods", continues: true })).toHaveLength(0);
  });
});
