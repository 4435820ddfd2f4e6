// `meshlens auth`: each mode, whether it may run, and what is missing (table and JSON); and the
// least-privilege roles as YAML. Pure: the verdicts are computed elsewhere.
import { dump as toYaml } from "js-yaml";
import { permissionWords } from "../auth/review.js";
import type { RbacObject } from "../auth/roles.js";
import type { ModeVerdict } from "../auth/types.js";
import { escapeControl } from "./escape.js";
import { tabwriterTable } from "./tabwriter.js";
import type { Theme } from "./theme.js";

/** One row per mode; kubectl's words for the first permission missing (table: Linkerd's tabwriter). */
export function renderAuthTable(verdicts: ModeVerdict[], theme: Theme): string {
  const plain = verdicts.map((v) => [
    v.mode,
    v.missing.length === 0 ? "√" : "×",
    v.missing[0] === undefined ? "" : escapeControl(permissionWords(v.missing[0])),
  ]);
  const rows = plain.map((row, i) => [
    row[0] as string,
    verdicts[i]?.missing.length === 0 ? theme.ok("√") : theme.fail("×"),
    row[2] as string,
  ]);
  return tabwriterTable(["COMMAND", "MAY RUN", "FIRST MISSING PERMISSION"], rows, plain);
}

export function renderAuthJson(verdicts: ModeVerdict[]): string {
  const document = verdicts.map((v) => ({
    mode: v.mode,
    allowed: v.missing.length === 0,
    missing: v.missing.map((p) => ({
      verb: p.verb,
      group: p.group,
      resource: p.resource,
      subresource: p.subresource ?? null,
      namespace: p.namespace ?? null,
      names: p.names ?? null,
      why: p.why,
      words: permissionWords(p),
    })),
  }));
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** The roles as one YAML stream, ready for `kubectl apply -f -`. */
export function renderRolesYaml(mode: string, objects: RbacObject[]): string {
  // Rules as kubectl users write them: `apiGroups: [""]`, one line each.
  const documents = objects.map((object) =>
    toYaml(object, { lineWidth: -1, noRefs: true, flowLevel: 3 }),
  );
  return `# The least RBAC \`meshlens ${mode}\` needs (meshlens auth --print-role).\n${documents.join("---\n")}`;
}
