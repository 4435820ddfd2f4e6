// krew's structural rules for a plugin manifest, as `kubectl krew install --manifest` applies them
// (kubernetes-sigs/krew internal/index/validation/validate.go: ValidatePlugin, validatePlatform,
// validateFiles, validateSelector; the version is semver with a leading "v",
// internal/installation/semver). krew itself cannot be downloaded here, so the test holds them.

/** The problems krew would refuse the manifest for; none means it would take it. */
export function krewManifestProblems(manifest: unknown, fileName: string): string[] {
  const problems: string[] = [];
  const m = record(manifest);
  if (m.apiVersion !== "krew.googlecontainertools.github.com/v1alpha2")
    problems.push(`apiVersion ${String(m.apiVersion)} is not krew's v1alpha2`);
  if (m.kind !== "Plugin") problems.push(`kind ${String(m.kind)} is not Plugin`);
  const name = fileName.replace(/\.yaml$/, "");
  if (!/^[\w-]+$/.test(name)) problems.push(`the plugin name ${name} is not allowed`);
  if (record(m.metadata).name !== name) problems.push(`metadata.name should be ${name}`);
  const spec = record(m.spec);
  const short = spec.shortDescription;
  if (typeof short !== "string" || short === "") problems.push("no shortDescription");
  else if (/[\r\n]/.test(short)) problems.push("line breaks in shortDescription");
  if (typeof spec.version !== "string" || !SEMVER_WITH_V.test(spec.version))
    problems.push(`version ${String(spec.version)} is not semver with a leading v`);
  const platforms = Array.isArray(spec.platforms) ? spec.platforms : [];
  if (platforms.length === 0) problems.push("no platform");
  platforms.forEach((platform, i) => {
    for (const problem of platformProblems(record(platform)))
      problems.push(`platform ${i}: ${problem}`);
  });
  return problems;
}

const SEMVER_WITH_V =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

function platformProblems(p: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof p.uri !== "string" || p.uri === "") problems.push("uri has to be set");
  if (typeof p.sha256 !== "string" || p.sha256 === "") problems.push("sha256 has to be set");
  else if (!/^[a-f0-9]{64}$/.test(p.sha256)) problems.push(`sha256 ${p.sha256} is not valid`);
  if (typeof p.bin !== "string" || p.bin === "") problems.push("bin has to be set");
  if (p.files !== undefined) {
    const files = Array.isArray(p.files) ? p.files : [];
    if (files.length === 0) problems.push("files has to be unspecified or non-empty");
    for (const file of files.map(record))
      if (
        typeof file.from !== "string" ||
        file.from === "" ||
        typeof file.to !== "string" ||
        file.to === ""
      )
        problems.push("files: from and to have to be set");
  }
  if (p.selector === undefined || p.selector === null) problems.push("nil selector");
  else {
    const selector = record(p.selector);
    const labels = selector.matchLabels === undefined ? undefined : record(selector.matchLabels);
    const expressions = Array.isArray(selector.matchExpressions)
      ? selector.matchExpressions
      : undefined;
    if (labels === undefined && (expressions ?? []).length === 0) problems.push("empty selector");
    if (labels !== undefined && Object.keys(labels).length === 0)
      problems.push("matchLabels empty");
    const keys = [
      ...Object.keys(labels ?? {}),
      ...(expressions ?? []).map((e) => String(record(e).key)),
    ];
    for (const key of keys)
      if (key !== "os" && key !== "arch") problems.push(`selector key ${key}`);
  }
  return problems;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}
