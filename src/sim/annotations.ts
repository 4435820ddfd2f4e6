// The annotations the simulator reads on pod templates and Pods to play a scenario (README,
// docs/simulator.md), and Linkerd's own that it honours. Light: the CLI and tests name them.

/** Simulation knobs, set as annotations on a pod template (or a Pod). Documented in the README. */
export const SIM_ANNOTATIONS = {
  /** "false": the pod's containers report not ready. */
  ready: "sim.meshlens.dev/ready",
  /** A pod phase other than Running, e.g. "Pending" or "Failed". */
  phase: "sim.meshlens.dev/phase",
  /** A trust bundle PEM to inject instead of the current one (a pod not restarted after a rotation). */
  trustAnchors: "sim.meshlens.dev/trust-anchors",
  /** "classic": inject the proxy into `containers` (before native sidecars) instead of `initContainers`. */
  sidecar: "sim.meshlens.dev/sidecar",
} as const;

/** Per-pod proxy behaviour, as an annotation on the pod template or Pod (README). */
export const PROXY_FAULT_ANNOTATION = "sim.meshlens.dev/proxy-fault";
export type ProxyFault =
  | "hang"
  | "refuse"
  | "garbage"
  | "expired-leaf"
  /** /metrics answers 200 with text that is not Prometheus' format. */
  | "bad-metrics"
  /** /metrics stops half way: the connection closes before the promised length. */
  | "cut-metrics";
/** Metric names of an older proxy: "v2.219" (identity_cert_*, before Jan 2024) or "v2.220". */
export const PROXY_METRICS_ANNOTATION = "sim.meshlens.dev/proxy-metrics";

/** Linkerd's opt-out of identity for a workload (2.x before 2.12; the proxy then has none). */
export const DISABLE_IDENTITY_ANNOTATION = "config.linkerd.io/disable-identity";
