/**
 * Entry of the inference utilityProcess (bundled with the worker to dist/electron/worker.mjs).
 * A utility process talks through process.parentPort, not process.send / process 'message' as
 * a forked child does; this adapter lets worker.ts run unchanged in both. If worker.ts learns
 * parentPort itself, drop this file and bundle worker.ts directly.
 */
import "../extract/llama/worker.ts";

const port = process.parentPort;
const child = process as { send?: (message: unknown) => boolean };
if (port && !child.send) {
  child.send = (message) => {
    port.postMessage(message);
    return true;
  };
  port.on("message", (event) => {
    process.emit("message" as never, event.data as never);
  });
}
