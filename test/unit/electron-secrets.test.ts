import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BASIC_TEXT_MESSAGE, createSecretStore, SecretStorageUnavailable } from "../../src-main/electron/secrets.ts";

/**
 * safeStorage stand-in: a reversible transform that is visibly not the plaintext (the real one
 * needs the OS keyring). The store's own logic (refusal, file format, mode) runs for real.
 */
function fakeSafeStorage(backend: string, available = true) {
  const flip = (buffer: Buffer) => Buffer.from(buffer.map((byte) => byte ^ 0xa5));
  const storage = {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (text: string) => Buffer.concat([Buffer.from("v11"), flip(Buffer.from(text, "utf8"))]),
    decryptString: (buffer: Buffer) => flip(buffer.subarray(3)).toString("utf8"),
  };
  return storage as unknown as Parameters<typeof createSecretStore>[0];
}

const tempFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "oncotimeline-secrets-")), "data", "secrets.json");
const KEY = "sk-ant-api03-THIS-IS-A-TEST-KEY";

describe("secret store", () => {
  it("stores ciphertext only, in a file only its owner can read", () => {
    const file = tempFile();
    const store = createSecretStore(fakeSafeStorage("gnome_libsecret"), file, "linux");
    expect(store.get("anthropic-api-key")).toBeNull();
    store.set("anthropic-api-key", KEY);
    store.set("openpipe-api-key", "opk_123");

    const onDisk = fs.readFileSync(file, "utf8");
    expect(onDisk).not.toContain(KEY);
    expect(onDisk).not.toContain("opk_123");
    expect(Buffer.from(JSON.parse(onDisk)["anthropic-api-key"], "base64").toString("utf8")).not.toContain(KEY);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["secrets.json"]);

    // A fresh store (the next app start) reads it back.
    const again = createSecretStore(fakeSafeStorage("gnome_libsecret"), file, "linux");
    expect(again.get("anthropic-api-key")).toBe(KEY);
    expect(again.has("openpipe-api-key")).toBe(true);
    again.delete("openpipe-api-key");
    expect(again.has("openpipe-api-key")).toBe(false);
    expect(again.get("anthropic-api-key")).toBe(KEY);
  });

  it("refuses Linux's basic_text backend with a message naming the fix, and writes nothing", () => {
    const file = tempFile();
    const store = createSecretStore(fakeSafeStorage("basic_text"), file, "linux");
    expect(() => store.set("anthropic-api-key", KEY)).toThrow(SecretStorageUnavailable);
    expect(() => store.set("anthropic-api-key", KEY)).toThrow(BASIC_TEXT_MESSAGE);
    expect(BASIC_TEXT_MESSAGE).toMatch(/basic_text/);
    expect(BASIC_TEXT_MESSAGE).toMatch(/gnome-keyring/);
    expect(BASIC_TEXT_MESSAGE).toMatch(/KWallet/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("refuses when the OS has no encryption at all", () => {
    const file = tempFile();
    const store = createSecretStore(fakeSafeStorage("unknown", false), file, "darwin");
    expect(() => store.set("openpipe-api-key", "opk_123")).toThrow(/not available/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("keeps only known secret names", () => {
    const store = createSecretStore(fakeSafeStorage("kwallet5"), tempFile(), "linux");
    expect(() => store.set("../../etc/passwd" as never, "x")).toThrow(/unknown secret/);
  });
});
