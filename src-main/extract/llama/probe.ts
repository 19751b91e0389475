/**
 * Hardware and memory questions asked of a short-lived inference process, so that node-llama-cpp's
 * native library is never loaded into the app's main process just to fill the Models screen.
 */
import type { HardwareInfo, ModelEstimate } from "../../../src-shared/api.ts";
import { forkWorker, WORKER_PATH } from "./llamaEngine.ts";
import type { Probe, WorkerReply, WorkerSpawner } from "./protocol.ts";

export function probeHardware(spawnWorker?: WorkerSpawner): Promise<HardwareInfo> {
  return probe<HardwareInfo>({ kind: "hardware" }, spawnWorker);
}

export function probeEstimate(request: Omit<Extract<Probe, { kind: "estimate" }>, "kind">, spawnWorker?: WorkerSpawner): Promise<Omit<ModelEstimate, "modelId">> {
  return probe({ kind: "estimate", ...request }, spawnWorker);
}

/** Reading a GGUF's header and the GPU's state takes a second or two; a stuck probe is ended. */
const PROBE_TIMEOUT_MS = 60_000;

function probe<T>(question: Probe, spawnWorker: WorkerSpawner = forkWorker): Promise<T> {
  const child = spawnWorker(WORKER_PATH);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`no answer from the inference process within ${PROBE_TIMEOUT_MS / 1000} s`));
    }, PROBE_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.send({ type: "close" });
    };
    child.on("message", (message: WorkerReply) => {
      if (message.type === "probed") {
        done();
        resolve(message.result as T);
      } else if (message.type === "failed") {
        done();
        reject(new Error(message.message));
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the inference process exited (${signal ?? `code ${code}`}) before answering`));
    });
    child.send({ type: "probe", id: 1, probe: question });
  });
}
