/** Faults a test (or `demo --tap-fault`) can give the simulated tap server (tap-server.ts). */
export const TAP_FAULTS = [
  "forbidden",
  "error-midstream",
  "cut-midframe",
  "slow",
  // The first stream ends after three events (the server closes it, or the connection is reset);
  // the streams after it do not: a client that reconnects sees the tap go on.
  "end-first",
  "reset-first",
] as const;
export type TapFault = (typeof TAP_FAULTS)[number];
