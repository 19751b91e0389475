import { describe, expect, it } from "vitest";
import { formatBytes } from "../../src-shared/formatBytes.ts";

describe("formatBytes, the one size format of the app, the CLI and messages", () => {
  it("writes whole bytes, then binary units with one decimal", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(1024)).toBe("1.0 KiB");
    expect(formatBytes(64 * 1024)).toBe("64.0 KiB");
    expect(formatBytes(50 * 2 ** 20)).toBe("50.0 MiB");
    expect(formatBytes(24_385_216)).toBe("23.3 MiB"); // the tiny test model
    expect(formatBytes(4.9e9)).toBe("4.6 GiB");
    expect(formatBytes(3 * 2 ** 40)).toBe("3.0 TiB");
    expect(formatBytes(5000 * 2 ** 40)).toBe("5000.0 TiB");
  });
});
