import { z } from "zod";
import { endpoint } from "./endpoint.ts";

/** Names of the secrets the app keeps (API keys for the cloud parts; real letters never go there). */
export const SECRET_NAMES = ["anthropic-api-key", "openpipe-api-key", "inference-server-api-key"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
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
