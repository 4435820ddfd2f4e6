// The simulated cluster's time: real time (or a test's clock), sped up by a time scale, plus a skew
// the user moves forward with kubectl, so a rotation can be walked to the day leaves renew or
// expire without waiting for it:
//   kubectl -n kube-system patch configmap meshlens-sim-clock --type merge -p '{"data":{"skew":"25h"}}'
// Time never goes back: certificates, leaves and managedFields already stamped would contradict it.
import { parseDuration } from "../shared/go-duration.js";
import type { KubeObject } from "./store.js";

export const CLOCK_CONFIGMAP = { namespace: "kube-system", name: "meshlens-sim-clock" } as const;

export class SimClock {
  private skewMs = 0;
  private readonly base: () => Date;

  constructor(base: () => Date) {
    this.base = base;
  }

  readonly now = (): Date => new Date(this.base().getTime() + this.skewMs);

  get skew(): number {
    return this.skewMs;
  }

  /** Follows the clock ConfigMap after a write (validated first by `refuseClockWrite`). */
  follow(object: KubeObject | undefined): void {
    const skew = skewOf(object);
    if (skew !== undefined && skew > this.skewMs) this.skewMs = skew;
  }
}

function isClockObject(object: KubeObject): boolean {
  return (
    object.kind === "ConfigMap" &&
    object.metadata.namespace === CLOCK_CONFIGMAP.namespace &&
    object.metadata.name === CLOCK_CONFIGMAP.name
  );
}

function skewOf(object: KubeObject | undefined): number | undefined {
  const text = (object?.data as Record<string, string> | undefined)?.skew;
  return text === undefined ? undefined : parseDuration(text);
}

/** The ConfigMap as the simulator creates it: no skew, and what to write to move time forward. */
export function clockConfigMap(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: CLOCK_CONFIGMAP.name,
      namespace: CLOCK_CONFIGMAP.namespace,
      annotations: {
        "sim.meshlens.dev/usage":
          "set data.skew to a Go duration (e.g. 25h) to move the simulated cluster's time forward",
      },
    },
    data: { skew: "0s" },
  };
}

/** Why a write of the clock ConfigMap is refused, or undefined for any other object or a good skew. */
export function refuseClockWrite(next: KubeObject, current: KubeObject): string | undefined {
  if (!isClockObject(next)) return undefined;
  const skew = skewOf(next);
  if (skew === undefined)
    return `data.skew: Invalid value: a Go duration such as 25h or 90m is required`;
  const before = skewOf(current) ?? 0;
  if (skew < before)
    return `data.skew: Invalid value: the simulated time only moves forward (it is ${(before / 3_600_000).toFixed(0)}h ahead now)`;
  return undefined;
}
