// The simulator's parts a trust-anchor rotation leans on, on plain objects: the clock ConfigMap's
// refusals, and trust-manager's Bundle controller (each certificate once, restamped only on change).
import { describe, expect, it } from "vitest";
import { clockConfigMap, refuseClockWrite, SimClock } from "../../src/sim/clock.js";
import { daysFrom, issueCertificate } from "../../src/sim/pki.js";
import { ObjectStore } from "../../src/sim/store.js";
import { reconcileBundles } from "../../src/sim/trust-manager.js";

const withSkew = (skew: string) => {
  const object = clockConfigMap();
  return { ...object, data: { skew } };
};

describe("the simulator's clock ConfigMap", () => {
  it("moves time forward, never back, and refuses what is not a duration", () => {
    const clock = new SimClock(() => new Date("2026-12-04T00:00:00Z"));
    expect(refuseClockWrite(withSkew("25h"), withSkew("0s"))).toBeUndefined();
    clock.follow(withSkew("25h"));
    expect(clock.now().toISOString()).toBe("2026-12-05T01:00:00.000Z");
    expect(refuseClockWrite(withSkew("1h"), withSkew("25h"))).toMatch(/only moves forward/);
    expect(refuseClockWrite(withSkew("a day"), withSkew("0s"))).toMatch(/Go duration/);
    clock.follow(withSkew("1h"));
    expect(clock.now().toISOString()).toBe("2026-12-05T01:00:00.000Z");
  });
});

describe("trust-manager's Bundle controller", () => {
  it("writes each source's certificate once, to the selected namespaces, stamped when it changes", async () => {
    const now = new Date("2026-12-04T00:00:00Z");
    const anchor = await issueCertificate({
      commonName: "root.linkerd.cluster.local",
      notBefore: now,
      notAfter: daysFrom(now, 10),
      isCA: true,
    });
    const store = new ObjectStore(now);
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    for (const name of ["linkerd-trust-anchor", "linkerd-previous-anchor"])
      store.put({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: "cert-manager" },
        data: { "tls.crt": b64(anchor.certPem) },
      });
    for (const [name, labels] of [
      ["linkerd", { "linkerd.io/is-control-plane": "true" }],
      ["emojivoto", {}],
    ] as const)
      store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
    store.put({
      apiVersion: "trust.cert-manager.io/v1alpha1",
      kind: "Bundle",
      metadata: { name: "linkerd-identity-trust-roots" },
      spec: {
        sources: [
          { secret: { name: "linkerd-trust-anchor", key: "tls.crt" } },
          { secret: { name: "linkerd-previous-anchor", key: "tls.crt" } },
        ],
        target: {
          configMap: { key: "ca-bundle.crt" },
          namespaceSelector: { matchLabels: { "linkerd.io/is-control-plane": "true" } },
        },
      },
    });
    reconcileBundles(store, now);
    const target = () =>
      store.get({ apiVersion: "v1", kind: "ConfigMap" }, "linkerd", "linkerd-identity-trust-roots");
    expect(target()?.data).toEqual({ "ca-bundle.crt": anchor.certPem });
    expect(target()?.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "trust-manager", time: "2026-12-04T00:00:00Z" }),
    ]);
    expect(
      store.get(
        { apiVersion: "v1", kind: "ConfigMap" },
        "emojivoto",
        "linkerd-identity-trust-roots",
      ),
    ).toBeUndefined();
    // Nothing changed: the ConfigMap is left as it was, its time too.
    const version = target()?.metadata.resourceVersion;
    reconcileBundles(store, daysFrom(now, 1));
    expect(target()?.metadata.resourceVersion).toBe(version);
  });
});
