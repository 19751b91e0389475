import { defineConfig } from "vitest/config";

// Model tests load a real GGUF (~540 MB a process): forks, and few at once on a 2-core machine.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
