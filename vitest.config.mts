import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The VM tier boots four VMs that need the whole machine: scripts/test.sh runs it on its own, after the rest.
    exclude: ["**/node_modules/**", ...(process.env.NETLAB_VM_TIER === "1" ? [] : ["test/vm/**"])],
    // Pulumi mocks are process-global: each test file gets its own worker.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
