import os from "node:os";
import { describe, expect, it } from "vitest";
import { workerEnv } from "../../src-main/extract/llama/workerEnv.ts";

describe("the inference child's environment", () => {
  it("gives libuv's thread pool one thread per core, at least its default four, and keeps the rest", () => {
    const env = workerEnv({ PATH: "/usr/bin", HOME: "/home/r" });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/r", UV_THREADPOOL_SIZE: String(Math.max(4, os.availableParallelism())) });
  });

  it("keeps a thread pool size the user chose", () => {
    expect(workerEnv({ UV_THREADPOOL_SIZE: "2" }).UV_THREADPOOL_SIZE).toBe("2");
  });
});
