// What every benchmark prints: one line a measurement, its comparison and goal, and whether all
// goals were met (the exit code).

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function report() {
  let ok = true;
  const line = (name, value, unit, comparison, goal, pass) => {
    ok = pass && ok;
    console.log(
      `${name.padEnd(42)} ${value.padStart(9)} ${unit.padEnd(8)} ${comparison.padEnd(66)} goal ${goal.padEnd(10)} ${pass ? "ok" : "NOT MET"}`,
    );
  };
  /** Our median time against a baseline's, in ms: met when the ratio is at most `goal`. */
  const ratio = (name, ours, baseline, baselineName, goal) => {
    const r = ours / baseline;
    const comparison = `${baselineName}: ${baseline.toFixed(1)} ms, ratio ${r.toFixed(2)}`;
    line(name, ours.toFixed(1), "ms", comparison, `<= ${goal}`, r <= goal);
  };
  /** Peak memory at the larger size against the smaller one (`peaks` keyed by size). */
  const flatness = (name, peaks, goal, describe) => {
    const [small, large] = Object.keys(peaks)
      .map(Number)
      .sort((a, b) => a - b);
    const r = peaks[large] / peaks[small];
    const comparison = describe(large, small, peaks, r);
    line(name(large, small), peaks[large].toFixed(0), "MB", comparison, `<= ${goal}`, r <= goal);
  };
  return { line, ratio, flatness, passed: () => ok };
}
