import { describe, expect, it } from "vitest";
import { linkerdValuesOf } from "../../src/checks/facts.js";
import type { ConfigMapInfo } from "../../src/k8s/types.js";

const configMap = (values: string): ConfigMapInfo => ({
  name: "linkerd-config",
  namespace: "linkerd",
  data: { values },
});

describe("linkerdValuesOf", () => {
  it("folds a legacy global: wrapper in, and parses each ConfigMap once", () => {
    const config = configMap("global:\n  identityTrustDomain: example.org\nfoo: 1\n");
    const values = linkerdValuesOf(config);
    expect(values).toMatchObject({ identityTrustDomain: "example.org", foo: 1 });
    expect(linkerdValuesOf(config)).toBe(values);
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
