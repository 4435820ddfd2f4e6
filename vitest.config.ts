import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Colour off by default so renderer assertions are plain text; colour tests opt in.
    env: { FORCE_COLOR: "0" },
    testTimeout: 30_000,
    // Most of an end-to-end test is waiting on a child process or a simulator's I/O: three files
    // at a time keep two cores busy (vitest's default is one worker a core, less one).
    maxWorkers: 3,
    hookTimeout: 60_000,
    // A temp dir per run, checked empty at the end (test/global-setup.ts).
    globalSetup: ["test/global-setup.ts"],
    // The JSON report gives .ci/run the real pass/fail counts.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**", "test/binary/**"],
        },
      },
      // The CLI as a user runs it, against simulators and real servers: the npm package, or the
      // standalone binary MESHLENS_BIN names.
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"] } },
      // What only the binary and its release have (scripts/release.mjs makes them; CI's binary pass).
      ...(process.env.MESHLENS_BIN === undefined
        ? []
        : [
            {
              extends: true as const,
              test: { name: "binary", include: ["test/binary/**/*.test.ts"] },
            },
          ]),
    ],
  },
});
