/**
 * Waits `ms`, or rejects as soon as `signal` aborts, so a retry back-off or a poll interval never
 * holds up a cancel or a close. It rejects with the signal's reason when that is an Error (callers
 * abort with the error they want raised, e.g. an engine timeout), else with a plain "aborted".
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error("aborted");
}
