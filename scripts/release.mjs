// Makes a release from a clean tree (docs/binary.md):
//
//   dist/release/meshlens-VERSION-linux-amd64.tar.gz         meshlens (the standalone binary), LICENSE,
//                                                            THIRD-PARTY-NOTICES.txt, sha256sum
//   dist/release/meshlens-VERSION-linux-amd64.tar.gz.sha256  the archive's own checksum
//   dist/release/plugins/meshlens.yaml                       krew's manifest for it (krew-index's path)
//
//   node scripts/release.mjs [--allow-dirty] [--repository URL]
//
// The archive is the same bytes for the same binary: files in name order, owner 0, the last commit's
// time, gzip without a name or time. The binary itself is built anew (npm run build:binary).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { dump } from "js-yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values: flags } = parseArgs({
  options: {
    "allow-dirty": { type: "boolean", default: false },
    // The project's home; its release page publishes the archive (the manifest's uri and homepage).
    repository: { type: "string", default: "https://github.com/meshlens/meshlens" },
  },
});

const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
const changes = git("status", "--porcelain");
if (changes !== "" && !flags["allow-dirty"]) {
  console.error(
    `release: the tree has uncommitted changes (a release is made from a commit; --allow-dirty to try anyway):\n${changes}`,
  );
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// krew and release pages name platforms as Go does.
const GO_ARCH = { x64: "amd64", arm64: "arm64" };
const os = process.platform;
const arch = GO_ARCH[process.arch] ?? process.arch;
const name = `meshlens-${version}-${os}-${arch}`;

execFileSync(process.execPath, [join(root, "scripts", "build-binary.mjs")], {
  cwd: root,
  stdio: "inherit",
});

const out = join(root, "dist", "release");
rmSync(out, { recursive: true, force: true });
const stage = join(out, name);
mkdirSync(stage, { recursive: true });
copyFileSync(
  join(root, "dist", "bin", `meshlens-${process.platform}-${process.arch}`),
  join(stage, "meshlens"),
);
chmodSync(join(stage, "meshlens"), 0o755);
copyFileSync(join(root, "LICENSE"), join(stage, "LICENSE"));
copyFileSync(
  join(root, "dist", "sea", "THIRD-PARTY-NOTICES.txt"),
  join(stage, "THIRD-PARTY-NOTICES.txt"),
);
const contents = ["LICENSE", "THIRD-PARTY-NOTICES.txt", "meshlens"];
// `sha256sum -c sha256sum` in the unpacked directory checks them.
writeFileSync(
  join(stage, "sha256sum"),
  contents.map((file) => `${sha256(readFileSync(join(stage, file)))}  ${file}\n`).join(""),
);

const archive = join(out, `${name}.tar.gz`);
const tarball = execFileSync(
  "tar",
  [
    ...["--sort=name", "--owner=0", "--group=0", "--numeric-owner"],
    `--mtime=@${git("log", "-1", "--format=%ct")}`,
    ...["-C", stage, "-cf", "-", ...contents, "sha256sum"],
  ],
  { maxBuffer: 1024 * 1024 * 1024 },
);
const gzipped = gzipSync(tarball, { level: 9 });
writeFileSync(archive, gzipped);
const archiveSum = sha256(gzipped);
writeFileSync(`${archive}.sha256`, `${archiveSum}  ${name}.tar.gz\n`);
rmSync(stage, { recursive: true, force: true });

// krew's manifest format (krew.sigs.k8s.io/docs/developer-guide/plugin-manifest): krew unpacks the
// archive, copies `files`, and links kubectl-meshlens to `bin`.
mkdirSync(join(out, "plugins"));
const manifest = {
  apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
  kind: "Plugin",
  metadata: { name: "meshlens" },
  spec: {
    version: `v${version}`,
    homepage: flags.repository,
    shortDescription: "Check that a Linkerd mesh's mTLS identity is healthy",
    description: [
      "See whether a Linkerd service mesh's mTLS identity is healthy: the trust anchors, the issuer",
      "and every proxy's certificate (check --proxy), which connections are mTLS (edges), live",
      "requests with tls= (tap), what expires next (expiry) and whether the next step of a",
      "trust-anchor rotation is safe (rotation), in Linkerd's own formats.",
      "",
    ].join("\n"),
    platforms: [
      {
        selector: { matchLabels: { os, arch } },
        uri: `${flags.repository}/releases/download/v${version}/${name}.tar.gz`,
        sha256: archiveSum,
        files: contents.map((file) => ({ from: file, to: "." })),
        bin: "meshlens",
      },
    ],
  },
};
writeFileSync(join(out, "plugins", "meshlens.yaml"), dump(manifest, { lineWidth: -1 }));

console.log(
  [
    `${archive.slice(root.length)}: ${(gzipped.length / 1e6).toFixed(1)} MB, sha256 ${archiveSum}`,
    `${join(out, "plugins", "meshlens.yaml").slice(root.length)}: krew's manifest for it`,
  ].join("\n"),
);

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}
