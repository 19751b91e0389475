import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { withStopSignals } from "../../src-main/cliKit/stopSignals.ts";

function setUp() {
  const signals = new EventEmitter();
  const said: string[] = [];
  const exits: number[] = [];
  const options = { signals, stopping: () => said.push("stopping"), exit: (code: number) => exits.push(code) };
  return { signals, said, exits, options };
}

describe("withStopSignals (the CLI's Ctrl-C)", () => {
  it("first signal: says so once and aborts the work, which finishes what it has; second: exits at once with 130", async () => {
    const { signals, said, exits, options } = setUp();
    let release = (): void => {};
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    const result = withStopSignals(options, async (signal) => {
      await inFlight;
      return signal.aborted ? "stopped after the item in flight" : "all done";
    });

    signals.emit("SIGINT");
    expect(said).toEqual(["stopping"]);
    expect(exits).toEqual([]);
    signals.emit("SIGTERM");
    expect(exits).toEqual([130]);
    expect(said).toEqual(["stopping"]);

    release();
    await expect(result).resolves.toBe("stopped after the item in flight");
  });

  it("SIGTERM (Slurm, a supervisor) stops the same way as Ctrl-C", async () => {
    const { signals, said, options } = setUp();
    const aborted = await withStopSignals(options, async (signal) => {
      signals.emit("SIGTERM");
      return signal.aborted;
    });
    expect(aborted).toBe(true);
    expect(said).toEqual(["stopping"]);
  });

  it("stops listening when the work ends, also when it fails", async () => {
    const { signals, options } = setUp();
    await withStopSignals(options, async () => "done");
    await expect(withStopSignals(options, () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(signals.listenerCount("SIGINT")).toBe(0);
    expect(signals.listenerCount("SIGTERM")).toBe(0);
  });
});
