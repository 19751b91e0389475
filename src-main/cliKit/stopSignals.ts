/** What the helper listens on: this process, or an EventEmitter in tests. */
export type SignalSource = {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
};

export type StopOptions = {
  /** Called once, at the first signal: the command says what stopping means for it. */
  stopping: () => void;
  /** Default: this process. */
  signals?: SignalSource;
  /** Called at a second signal. Default: exit at once with 130 (128 + SIGINT, what a shell reports for Ctrl-C). */
  exit?: (code: number) => void;
};

/**
 * Runs long work that Ctrl-C (or SIGTERM from Slurm or a supervisor) can stop: the first signal
 * aborts `signal`, so the work takes nothing new and lets what is in flight finish (everything
 * committed stays, the job resumable); a second signal leaves at once. The listeners are removed
 * when the work ends, so a signal after that is Node's default again.
 */
export async function withStopSignals<T>(options: StopOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const abort = new AbortController();
  const onSignal = (): void => {
    if (abort.signal.aborted) {
      exit(130);
      return;
    }
    options.stopping();
    abort.abort();
  };
  signals.on("SIGINT", onSignal);
  signals.on("SIGTERM", onSignal);
  try {
    return await work(abort.signal);
  } finally {
    signals.off("SIGINT", onSignal);
    signals.off("SIGTERM", onSignal);
  }
}
