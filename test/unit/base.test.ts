import { describe, expect, it } from "vitest";
import { fnv1a32 } from "../../src-main/base/fnv1a.ts";
import { formatSeconds } from "../../src-main/base/formatSeconds.ts";
import { mulberry32, seededRandom } from "../../src-main/base/seededRandom.ts";
import { sleep } from "../../src-main/base/sleep.ts";

describe("the seeded PRNG", () => {
  // Pinned draws: the grid sampler, the test model's weights and the fake teacher all depend on
  // them, so a change here would silently change sampled grids and the test model's bytes.
  it("draws mulberry32's sequence", () => {
    const next = mulberry32(1);
    expect([next(), next(), next()]).toEqual([2693262067, 11749833, 2265367787]);
  });

  it("gives floats in [0, 1) and hashes a string seed with FNV-1a", () => {
    const fromString = seededRandom("grid");
    expect([fromString(), fromString()]).toEqual([0.37963154539465904, 0.3134655235335231]);
    const fromNumber = seededRandom(1);
    expect(fromNumber()).toBe(2693262067 / 4294967296);
  });

  it("hashes with FNV-1a, keyed through its basis", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c); // the published FNV-1a 32-bit value
    expect(fnv1a32("token_embd.weight", 0x811c9dc5 ^ 1)).toBe(352693208);
  });
});

describe("sleep", () => {
  it("waits, and stops at once with the abort reason when it is an Error", async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    const reason = new Error("closed");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it("rejects with 'aborted' for a reason that is not an Error, and at once when already aborted", async () => {
    const controller = new AbortController();
    controller.abort("no");
    await expect(sleep(60_000, controller.signal)).rejects.toThrow("aborted");
  });
});

describe("formatSeconds", () => {
  it("keeps a tenth below ten seconds only", () => {
    expect(formatSeconds(2500)).toBe("2.5 s");
    expect(formatSeconds(120_000)).toBe("120 s");
  });
});
