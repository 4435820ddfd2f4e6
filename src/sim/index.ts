// The simulated cluster's one entry point, for the CLI (demo, completion) and the tests. What it
// names (scenarios, faults, annotations) is light; startSimulator loads the simulator itself, its
// certificates and servers, only when called.
import type { Simulator, SimulatorOptions } from "./simulator.js";

export {
  PROXY_FAULT_ANNOTATION,
  PROXY_METRICS_ANNOTATION,
  type ProxyFault,
  SIM_ANNOTATIONS,
} from "./annotations.js";
export { SimulatorError } from "./errors.js";
export { type Fault, type FaultRule, parseFaultRule } from "./faults.js";
export { SCENARIO_CATALOGUE, type ScenarioName, scenarioNames } from "./scenarios/catalogue.js";
export type { Simulator, SimulatorOptions } from "./simulator.js";
export type { KubeObject } from "./store.js";
export { TAP_FAULTS, type TapFault } from "./tap-faults.js";

/** Starts a simulated cluster (a real HTTPS Kubernetes API on 127.0.0.1); see simulator.ts. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = await import("./simulator.js");
  return simulator.startSimulator(options);
}
