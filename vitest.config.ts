import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Colour off by default so renderer assertions are plain text; colour tests opt in.
    env: { FORCE_COLOR: "0" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report gives .ci/run the real pass/fail counts.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
