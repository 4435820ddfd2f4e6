// A scenario's objects: the healthy cluster, then what the scenario changes.
import type { KubeObject } from "../store.js";
import type { ScenarioName } from "./catalogue.js";
import { controlPlane } from "./control-plane.js";
import { SCENARIO_BEHAVIOURS } from "./definitions.js";
import { namespace } from "./objects.js";
import { HEALTHY_PKI, makePki, type ScenarioPki } from "./pki.js";
import { emojivoto, scaleObjects, viz } from "./workloads.js";

/** The objects of a named scenario, with fresh certificates relative to `now`. */
export async function buildScenario(
  name: ScenarioName,
  now: Date,
  scale: { pods: number; namespaces: number } = { pods: 1000, namespaces: 20 },
): Promise<{ objects: KubeObject[]; pki: ScenarioPki }> {
  const behaviour = SCENARIO_BEHAVIOURS[name];
  const spec = behaviour.pki ? behaviour.pki(HEALTHY_PKI) : HEALTHY_PKI;
  const pki = behaviour.makePki ? await behaviour.makePki(now) : await makePki(spec, now);
  const objects = [
    namespace("default"),
    namespace("kube-system"),
    ...controlPlane(pki, behaviour.issuerScheme ?? "linkerd.io/tls"),
    ...viz(pki),
    ...emojivoto(),
  ];
  if (name === "scale") objects.push(...scaleObjects(scale.pods, scale.namespaces));
  behaviour.mutate?.(objects, pki, now);
  return { objects, pki };
}
