// A container's environment as the kubelet hands it to the process, as far as the pod itself tells:
// `$(NAME)` in a value is replaced by a variable defined earlier in the same container, `$$` is a
// literal `$`, and a reference to something undefined stays as written (Kubernetes
// third_party/forked/golang/expansion). Linkerd relies on it for the proxy's identity:
// `$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local`, or in older injectors
// `….identity.$(_l5d_ns).$(_l5d_trustdomain)`.

export interface ExpandableEnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

/** Expands `$(NAME)` references in `text` with `defined`. */
export function expandReferences(text: string, defined: ReadonlyMap<string, string>): string {
  let out = "";
  let at = 0;
  while (at < text.length) {
    const dollar = text.indexOf("$", at);
    if (dollar === -1 || dollar === text.length - 1) break;
    out += text.slice(at, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      at = dollar + 2;
    } else if (next === "(") {
      const close = text.indexOf(")", dollar + 2);
      if (close === -1) {
        // An unterminated reference is kept as written.
        out += "$(";
        at = dollar + 2;
      } else {
        const name = text.slice(dollar + 2, close);
        out += defined.get(name) ?? `$(${name})`;
        at = close + 1;
      }
    } else {
      out += `$${next}`;
      at = dollar + 2;
    }
  }
  return out + text.slice(at);
}

/**
 * The variables a container sees, in order: literal values expanded with those before them, and
 * `fieldRef`s resolved by `field` (ConfigMap and Secret references are left out: they need reads).
 */
export function resolveEnv(
  env: readonly ExpandableEnvVar[],
  field: (fieldPath: string) => string | undefined,
): Map<string, string> {
  const defined = new Map<string, string>();
  for (const variable of env) {
    if (variable.value !== undefined) {
      defined.set(variable.name, expandReferences(variable.value, defined));
    } else if (variable.valueFrom?.fieldRef !== undefined) {
      const value = field(variable.valueFrom.fieldRef.fieldPath);
      if (value !== undefined) defined.set(variable.name, value);
    } else if (variable.valueFrom === undefined) {
      defined.set(variable.name, "");
    }
  }
  return defined;
}
