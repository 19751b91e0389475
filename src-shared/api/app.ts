import { z } from "zod";
import { SECRET_NAMES, type SecretName } from "../secrets.ts";
import { endpoint } from "./endpoint.ts";

export { SECRET_ENV, SECRET_NAMES, type SecretName } from "../secrets.ts";

/** Where the desktop app keeps them (Electron safeStorage); methods throw with a human message when it cannot. */
export type SecretStore = {
  get(name: SecretName): string | null;
  set(name: SecretName, value: string): void;
  delete(name: SecretName): void;
  has(name: SecretName): boolean;
};
export type SecretsStatus = {
  /** False in the browser build and where the OS offers no safe storage (then `message` says why). */
  canStore: boolean;
  message: string | null;
  secrets: { name: SecretName; stored: boolean; fromEnvironment: boolean }[];
};

export const appApi = {
  "app.info": endpoint<{ version: string; dataDir: string; letters: number; user: string }>()(z.strictObject({})),

  /** Which API keys are set (never their values). */
  "secrets.status": endpoint<SecretsStatus>()(z.strictObject({})),
  "secrets.set": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES), value: z.string().trim().min(8).max(1000) })),
  "secrets.delete": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES) })),
} as const;
