/** Faults a test (or `demo --tap-fault`) can give the simulated tap server (tap-server.ts). */
export const TAP_FAULTS = ["forbidden", "error-midstream", "cut-midframe", "slow"] as const;
export type TapFault = (typeof TAP_FAULTS)[number];
