import type { SecretName, SecretStore, SettingsView } from "../src-shared/api.ts";
import type { LlamaEngineOptions } from "./extract/llama/llamaEngine.ts";
import type { Db } from "./store/db.ts";
import type { JobRuns } from "./jobs/jobRuns.ts";

/**
 * What every capability's handlers are given by the composition root (src-main/api/services.ts).
 * Here, beside the capability folders rather than in api/, because capabilities may not import
 * the composition roots (a lint rule, eslint.config.js's capabilitiesStayBelowRoots).
 */
export type ServiceContext = {
  db: Db;
  dataDir: string;
  /** The jobs of every kind running in this process (the job runtime). */
  runs: JobRuns;
  log: (error: unknown) => void;
  /** The settings as stored now, each section over its defaults, with what could not be used. */
  settings: () => SettingsView;
  /** Who is recorded with a correction or a decision: the reviewer setting, else the OS user. */
  reviewer: () => string;
  /** A key from the desktop app's store, else from the environment (the CLI's and `serve`'s way). */
  secret: (name: SecretName) => string | null;
  /** Engine options every engine starts from (the settings screen's choices are applied over them). */
  engine: Partial<LlamaEngineOptions> | undefined;
  /** The desktop app's encrypted key store; absent in the CLI and `serve`. */
  secretStore?: SecretStore;
  /** Opens the system file manager at a path; absent in `serve`. */
  reveal?: (path: string) => void;
};
