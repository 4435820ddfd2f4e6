import { describe, expect, it } from "vitest";
import { linkerdValuesOf, linkerdValuesReader } from "../../src/checks/facts.js";
import type { ConfigMapInfo } from "../../src/k8s/types.js";

const configMap = (values: string): ConfigMapInfo => ({
  name: "linkerd-config",
  namespace: "linkerd",
  data: { values },
});

describe("linkerdValuesOf", () => {
  it("folds a legacy global: wrapper in", () => {
    const config = configMap("global:\n  identityTrustDomain: example.org\nfoo: 1\n");
    expect(linkerdValuesOf(config)).toMatchObject({ identityTrustDomain: "example.org", foo: 1 });
  });

  it("a run reads and parses linkerd-config once; a missing one is the check's words", async () => {
    let reads = 0;
    const values = linkerdValuesReader(async () => {
      reads += 1;
      return configMap("identityTrustDomain: example.org\n");
    });
    expect(await values()).toBe(await values());
    expect(reads).toBe(1);
    await expect(linkerdValuesReader(async () => undefined)()).rejects.toThrow(
      'configmaps "linkerd-config" not found',
    );
  });

  it("says why values are unusable, on one line", () => {
    expect(() => linkerdValuesOf(configMap("a: [1\nb: 2\n"))).toThrow(
      /^cannot parse linkerd-config values: [^\n]+$/,
    );
    expect(() => linkerdValuesOf(configMap("- just\n- a list\n"))).toThrow(
      /^linkerd-config values are not a YAML map$/,
    );
  });
});
