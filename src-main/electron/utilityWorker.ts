import type { ForkOptions, UtilityProcess } from "electron";
import type { WorkerHandle, WorkerReply, WorkerRequest, WorkerSpawner } from "../extract/llama/protocol.ts";
import { workerEnv } from "../extract/llama/workerEnv.ts";

type Fork = (modulePath: string, args?: string[], options?: ForkOptions) => UtilityProcess;

/**
 * The inference child as an Electron utilityProcess: a Node process Chromium supervises, so a
 * model crash or GPU out-of-memory abort never takes the app down, and native inference code is
 * never loaded into the main process.
 *
 * `workerPath` is the bundled worker (dist/electron/worker.mjs, utilityEntry.ts + worker.ts):
 * the engine names its own source file, worker.ts, which the packaged app does not have, so the
 * engine's argument is ignored.
 */
export function createUtilitySpawner(fork: Fork, workerPath: string): WorkerSpawner {
  return () => {
    const child = fork(workerPath, [], {
      serviceName: "OncoTimeline inference",
      // stderr carries llama.cpp's out-of-memory messages, which the engine turns into a reason.
      stdio: ["ignore", "ignore", "pipe"],
      env: workerEnv(),
    });
    let exited = false;
    child.on("exit", () => {
      exited = true;
    });
    const handle: WorkerHandle = {
      get pid() {
        return child.pid;
      },
      stderr: child.stderr,
      send(message: WorkerRequest) {
        // A child that just died cannot take messages; its exit event reports the failure.
        if (!exited) child.postMessage(message);
      },
      on(event: "message" | "exit", listener: (...args: never[]) => void) {
        if (event === "message") child.on("message", (message: WorkerReply) => (listener as (message: WorkerReply) => void)(message));
        // A utility process reports only an exit code; a kill by signal shows as a non-zero code.
        else child.on("exit", (code: number) => (listener as (code: number | null, signal: NodeJS.Signals | null) => void)(code, null));
      },
      kill() {
        child.kill();
      },
    };
    return handle;
  };
}
