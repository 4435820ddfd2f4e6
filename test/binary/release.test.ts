// The release scripts/release.mjs made (CI's binary pass runs it on a clean clone first): the archive,
// its checksums, and krew's manifest, installed the way krew installs a plugin.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { cli, runShell, simulatorsForThisFile, testEnv } from "../e2e/helpers.js";
import { projectRoot, scratchDir } from "../fixtures.js";
import { krewManifestProblems } from "./krew-manifest.js";

const version: string = JSON.parse(readFileSync(join(projectRoot, "package.json"), "utf8")).version;
const releaseDir = process.env.MESHLENS_RELEASE_DIR ?? join(projectRoot, "dist", "release");
const archiveName = `meshlens-${version}-linux-amd64.tar.gz`;
const archive = join(releaseDir, archiveName);
const manifestPath = join(releaseDir, "plugins", "meshlens.yaml");
const sim = simulatorsForThisFile();

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("the release archive", () => {
  let unpacked: string;
  beforeAll(() => {
    unpacked = scratchDir("meshlens-unpacked-");
    execFileSync("tar", ["-xzf", archive, "-C", unpacked]);
  });

  it("holds the binary, LICENSE, the third-party notices and a sha256sum file, owned by root", () => {
    const listing = execFileSync("tar", ["-tvzf", archive], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(listing.map((line) => line.split(/\s+/).at(-1))).toEqual([
      "LICENSE",
      "THIRD-PARTY-NOTICES.txt",
      "meshlens",
      "sha256sum",
    ]);
    for (const line of listing) expect(line.split(/\s+/)[1]).toBe("0/0");
    expect(listing[2]).toMatch(/^-rwxr-xr-x /);
  });

  it("checks with sha256sum -c, and beside it the archive's own checksum", () => {
    expect(
      execFileSync("sha256sum", ["-c", "sha256sum"], { cwd: unpacked, encoding: "utf8" }),
    ).toBe("LICENSE: OK\nTHIRD-PARTY-NOTICES.txt: OK\nmeshlens: OK\n");
    expect(readFileSync(`${archive}.sha256`, "utf8")).toBe(`${sha256(archive)}  ${archiveName}\n`);
  });

  it("carries the binary under test, and the notices name Node and what is bundled", () => {
    expect(sha256(join(unpacked, "meshlens"))).toBe(sha256(cli.command));
    expect(readFileSync(join(unpacked, "LICENSE"), "utf8")).toBe(
      readFileSync(join(projectRoot, "LICENSE"), "utf8"),
    );
    const notices = readFileSync(join(unpacked, "THIRD-PARTY-NOTICES.txt"), "utf8");
    for (const pkg of [
      "commander",
      "chalk",
      "@kubernetes/client-node",
      "@peculiar/x509",
      "js-yaml",
    ])
      expect(notices).toMatch(new RegExp(`^${pkg} \\d+\\.\\d+\\.\\d+ \\(`, "m"));
    expect(notices).toMatch(/^Node\.js \d+\.\d+\.\d+ \(MIT\)/m);
    expect(notices).toContain("OpenSSL");
  });
});

interface Platform {
  selector: { matchLabels: Record<string, string> };
  uri: string;
  sha256: string;
  files: { from: string; to: string }[];
  bin?: string;
}
interface Manifest {
  spec: { version: string; platforms: Platform[] };
}

describe("krew's manifest", () => {
  const manifest = () => load(readFileSync(manifestPath, "utf8")) as Manifest;
  const linux = (m: Manifest): Platform => {
    const [platform] = m.spec.platforms;
    if (platform === undefined) throw new Error(`${manifestPath} has no platform`);
    return platform;
  };

  it("passes krew's validation, for linux/amd64, with the archive's sha256", () => {
    const m = manifest();
    expect(krewManifestProblems(m, "meshlens.yaml")).toEqual([]);
    expect(m.spec.version).toBe(`v${version}`);
    const platform = linux(m);
    expect(platform.selector.matchLabels).toEqual({ os: "linux", arch: "amd64" });
    expect(platform.sha256).toBe(sha256(archive));
    expect(platform.uri.endsWith(`/v${version}/${archiveName}`)).toBe(true);
    expect(platform.uri.startsWith("https://")).toBe(true);
  });

  it("is refused for what krew refuses (the check can fail)", () => {
    const broken = (edit: (m: Manifest) => void) => {
      const m = manifest();
      edit(m);
      return krewManifestProblems(m, "meshlens.yaml");
    };
    expect(
      broken((m) => {
        linux(m).sha256 = "ABC";
      }),
    ).toEqual(["platform 0: sha256 ABC is not valid"]);
    expect(
      broken((m) => {
        delete linux(m).bin;
      }),
    ).toEqual(["platform 0: bin has to be set"]);
    expect(
      broken((m) => {
        linux(m).selector.matchLabels.distro = "debian";
      }),
    ).toEqual(["platform 0: selector key distro"]);
    expect(broken((m) => (m.spec.version = "0.1.0"))).toEqual([
      "version 0.1.0 is not semver with a leading v",
    ]);
    expect(krewManifestProblems(manifest(), "mesh-lens.yaml")).toEqual([
      "metadata.name should be mesh-lens",
    ]);
  });

  it("installs as krew installs it: kubectl meshlens runs the binary", async () => {
    // krew unpacks the archive into its store, copies `files`, and links bin/kubectl-NAME to `bin`.
    const krewRoot = scratchDir("meshlens-krew-");
    const platform = linux(manifest());
    const unpacked = join(krewRoot, "unpack");
    const installed = join(krewRoot, "store", "meshlens", `v${version}`);
    mkdirSync(unpacked);
    mkdirSync(installed, { recursive: true });
    mkdirSync(join(krewRoot, "bin"));
    execFileSync("tar", ["-xzf", archive, "-C", unpacked]);
    for (const file of platform.files)
      copyFileSync(join(unpacked, file.from), join(installed, file.from));
    symlinkSync(join(installed, platform.bin ?? ""), join(krewRoot, "bin", "kubectl-meshlens"));

    const s = await sim();
    const path = `${join(krewRoot, "bin")}:${testEnv().PATH}`;
    const run = await runShell(
      'kubectl plugin list 2>/dev/null | grep -c kubectl-meshlens; kubectl meshlens --help | head -1; kubectl meshlens --kubeconfig "$1" check; echo "exit=$?"',
      { PATH: path },
      [s.kubeconfigPath],
    );
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("1");
    expect(lines[1]).toBe("Usage: kubectl meshlens [options] [command]");
    expect(run.stdout).toContain("Status check results are √");
    expect(run.stdout.trimEnd().endsWith("exit=0")).toBe(true);
  });
});
