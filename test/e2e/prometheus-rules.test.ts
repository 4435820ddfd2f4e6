// deploy/prometheus/meshlens-rules.yaml is valid (`promtool check rules`) and each alert fires, or
// must not (the superseded anchor, a namespace whose leaves renew), as its unit tests say
// (`promtool test rules`, deploy/prometheus/meshlens-rules.test.yaml).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../fixtures.js";
import { toolForTests } from "./helpers.js";

const promtool = toolForTests("promtool", ["--version"], "the alerting rules' tests");
const run = promisify(execFile);
const dir = join(projectRoot, "deploy", "prometheus");

describe.skipIf(promtool.skip)("the shipped alerting rules", () => {
  it("pass promtool check rules", async () => {
    const { stdout } = await run("promtool", ["check", "rules", "meshlens-rules.yaml"], {
      cwd: dir,
    });
    expect(stdout).toContain("SUCCESS: 9 rules found");
  });

  it("pass their unit tests: each alert fires when it should and the superseded anchor never", async () => {
    const { stdout } = await run("promtool", ["test", "rules", "meshlens-rules.test.yaml"], {
      cwd: dir,
    });
    expect(stdout).toContain("SUCCESS");
  });
});
