import os from "node:os";

/**
 * The inference child's environment. node-llama-cpp decodes and samples on libuv's thread pool,
 * four threads unless UV_THREADPOOL_SIZE says otherwise: with dozens of sequences in lockstep on
 * a GPU, their samplings would queue four at a time. One thread per core lets them all run; a
 * size the user set is kept.
 */
export function workerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, UV_THREADPOOL_SIZE: base.UV_THREADPOOL_SIZE ?? String(Math.max(4, os.availableParallelism())) };
}
