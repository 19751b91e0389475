import { z } from "zod";
import { SECRET_NAMES, type SecretName } from "../secrets.ts";
import { endpoint } from "./endpoint.ts";
import type { ModelSummary } from "./models.ts";

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

/** What "Try it with the demo letters and the test model" did (app.tryDemo). */
export type DemoSetup = {
  /** Demo letters imported now, and those already in the store (a second try imports none). */
  imported: number;
  alreadyThere: number;
  /** Letters in the store now. */
  letters: number;
  /** The tiny random-weight test model: its output is noise, it only shows the workflow. */
  model: ModelSummary;
  /** False when it was made and registered already. */
  modelMade: boolean;
};

export const appApi = {
  "app.info": endpoint<{ version: string; dataDir: string; letters: number; user: string }>()(z.strictObject({})),
  /**
   * An empty store's first step: imports the 16 demo letters (resources/demo/letters) and makes and
   * registers the tiny random-weight test model in the data folder's models/. Idempotent: a second
   * call adds no letters and no model.
   */
  "app.tryDemo": endpoint<DemoSetup>()(z.strictObject({})),

  /** Which API keys are set (never their values). */
  "secrets.status": endpoint<SecretsStatus>()(z.strictObject({})),
  "secrets.set": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES), value: z.string().trim().min(8).max(1000) })),
  "secrets.delete": endpoint<SecretsStatus>()(z.strictObject({ name: z.enum(SECRET_NAMES) })),
} as const;
