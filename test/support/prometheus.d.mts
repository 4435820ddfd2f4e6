/** One file_sd target group: the addresses and the labels Prometheus starts from. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface RunningPrometheus {
  url: string;
  /** Stops it and waits for it to exit. */
  stop(): Promise<void>;
}

export function startPrometheus(options: {
  dir: string;
  targets: TargetGroup[];
  job?: string[];
  scrapeInterval?: string;
  readyWithinMs?: number;
}): Promise<RunningPrometheus>;
