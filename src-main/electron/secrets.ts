import fs from "node:fs";
import path from "node:path";
import type { SafeStorage } from "electron";

import { SECRET_ENV, SECRET_NAMES, type SecretName, type SecretStore } from "../../src-shared/api.ts";

export { SECRET_NAMES, type SecretName, type SecretStore };

export class SecretStorageUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretStorageUnavailable";
  }
}

export const BASIC_TEXT_MESSAGE =
  "API keys cannot be stored safely: Electron found no system keyring and would fall back to its 'basic_text' backend, " +
  "which keeps secrets readable by anyone who can read your files. Install and unlock a keyring (gnome-keyring or KWallet; " +
  "e.g. `sudo apt install gnome-keyring`, then log in again), or start the app with --password-store=gnome-libsecret / kwallet5. " +
  `Until then OncoTimeline keeps no API keys; set ${SECRET_ENV["anthropic-api-key"]} / ${SECRET_ENV["openpipe-api-key"]} / ${SECRET_ENV["together-api-key"]} in the environment instead.`;

export const UNAVAILABLE_MESSAGE =
  "API keys cannot be stored safely: the operating system's encryption (safeStorage) is not available. " +
  "On Linux install and unlock a keyring (gnome-keyring or KWallet); on macOS allow access to the Keychain.";

type SafeStorageLike = Pick<SafeStorage, "isEncryptionAvailable" | "encryptString" | "decryptString" | "getSelectedStorageBackend">;

/**
 * Secrets encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret or KWallet), kept as
 * base64 ciphertext in one JSON file in the data folder, mode 0600. It refuses rather than
 * degrades: plaintext is never written, and Linux's `basic_text` backend (a hard-coded key,
 * i.e. plaintext in disguise) counts as unavailable.
 */
export function createSecretStore(safeStorage: SafeStorageLike, file: string, platform: NodeJS.Platform = process.platform): SecretStore {
  // Checked on every use, not once: the backend is only known after app 'ready', and a keyring
  // can be unlocked while the app runs.
  const ensureSafe = () => {
    if (platform === "linux" && safeStorage.getSelectedStorageBackend() === "basic_text") throw new SecretStorageUnavailable(BASIC_TEXT_MESSAGE);
    if (!safeStorage.isEncryptionAvailable()) throw new SecretStorageUnavailable(UNAVAILABLE_MESSAGE);
  };

  const read = (): Record<string, string> => {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
  };

  const write = (entries: Record<string, string>) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    // Created 0600 from the start, so the ciphertext is never briefly world-readable.
    fs.writeFileSync(temporary, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, file);
  };

  const checkName = (name: string) => {
    if (!(SECRET_NAMES as readonly string[]).includes(name)) throw new Error(`unknown secret: ${name}`);
  };

  return {
    get(name) {
      checkName(name);
      const stored = read()[name];
      if (stored === undefined) return null;
      ensureSafe();
      return safeStorage.decryptString(Buffer.from(stored, "base64"));
    },
    set(name, value) {
      checkName(name);
      ensureSafe();
      const entries = read();
      entries[name] = safeStorage.encryptString(value).toString("base64");
      write(entries);
    },
    delete(name) {
      checkName(name);
      const entries = read();
      if (!(name in entries)) return;
      delete entries[name];
      write(entries);
    },
    has(name) {
      checkName(name);
      return read()[name] !== undefined;
    },
  };
}
