/** A simulator that cannot start as asked: an unknown scenario, a bad manifest or Traffic object. */
export class SimulatorError extends Error {}
