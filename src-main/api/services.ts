/**
 * The main-side services behind the API contract, wired for one data folder. Composition roots
 * (the Electron main process, `oncotimeline serve`) call createServices and expose `handlers`
 * over IPC or loopback HTTP; nothing here knows which. Each capability's handlers live in its own
 * folder; this only builds their shared context and joins them.
 */
import os from "node:os";
import type { ApiHandlers, SecretStore } from "../../src-shared/api.ts";
import { appHandlers } from "../app/handlers.ts";
import { secretReader } from "../app/secrets.ts";
import { datasetsHandlers } from "../datasets/handlers.ts";
import { evaluateHandlers } from "../evaluate/handlers.ts";
import { goldSetsHandlers } from "../evaluate/gold/handlers.ts";
import { exportHandlers } from "../export/handlers.ts";
import { createExtractionJobs, extractHandlers } from "../extract/handlers.ts";
import type { ExtractionJobs } from "../extract/jobControl.ts";
import type { LlamaEngineOptions } from "../extract/llama/llamaEngine.ts";
import type { WorkerSpawner } from "../extract/llama/protocol.ts";
import { createFinetuneService } from "../finetune/handlers.ts";
import { ingestHandlers } from "../ingest/handlers.ts";
import { createModelsService } from "../models/handlers.ts";
import { settingsHandlers } from "../settings/handlers.ts";
import { settingsReader } from "../settings/storedSettings.ts";
import { openStore, type Db } from "../store/db.ts";
import { JobRuns } from "../jobs/jobRuns.ts";
import { jobsHandlers } from "../jobs/handlers.ts";
import { createSynthService, synthHandlers } from "../synth/handlers.ts";
import type { SynthService } from "../synth/service.ts";
import { timelineHandlers } from "../timeline/handlers.ts";
import type { ServiceContext } from "../serviceContext.ts";

export type ServicesOptions = {
  dataDir: string;
  /**
   * Engine options every extraction starts from (the settings screen's choices are applied over
   * them): the Electron app passes its utilityProcess spawner; tests pass CPU, one thread and a
   * seeded sampler for the random-weight test model.
   */
  engine?: Partial<LlamaEngineOptions>;
  /** How the inference process is started (Electron: a utilityProcess); default a forked Node child. */
  spawnWorker?: WorkerSpawner;
  /** API keys kept by the desktop app (safeStorage); the CLI and `serve` read the environment. */
  secrets?: SecretStore;
  /** Opens the system file manager at a path (Electron's shell.showItemInFolder); absent in `serve`. */
  reveal?: (path: string) => void;
  log?: (error: unknown) => void;
};

export type Services = { db: Db; handlers: ApiHandlers; jobs: ExtractionJobs; synth: SynthService; close(): Promise<void> };

export function createServices(options: ServicesOptions): Services {
  const context = serviceContext(options);
  const jobs = createExtractionJobs(context);
  const synth = createSynthService(context);
  const finetune = createFinetuneService(context);
  const models = createModelsService(context);

  const handlers = {
    ...appHandlers(context),
    ...ingestHandlers(context),
    ...models.handlers,
    ...jobsHandlers(context, [jobs.kind(), synth.kind(), finetune.kind, ...finetune.hostedKinds]),
    ...extractHandlers(jobs),
    ...timelineHandlers(context),
    ...exportHandlers(context),
    ...synthHandlers(synth, context),
    ...settingsHandlers(context),
    ...evaluateHandlers(context),
    ...goldSetsHandlers(context),
    ...datasetsHandlers(context),
    ...finetune.handlers,
  } satisfies ApiHandlers;

  return {
    db: context.db,
    handlers,
    jobs,
    synth,
    close: async () => {
      finetune.close();
      await models.close();
      await context.runs.close();
      context.db.close();
    },
  };
}

function serviceContext(options: ServicesOptions): ServiceContext {
  const db = openStore(options.dataDir);
  const log = options.log ?? ((error: unknown) => console.error(error));
  const settings = settingsReader(db, log);
  return {
    db,
    dataDir: options.dataDir,
    runs: new JobRuns(db),
    log,
    settings,
    reviewer: () => settings().reviewer || os.userInfo().username,
    secret: secretReader(options.secrets, log),
    engine: options.spawnWorker ? { ...options.engine, spawnWorker: options.spawnWorker } : options.engine,
    ...(options.secrets ? { secretStore: options.secrets } : {}),
    ...(options.reveal ? { reveal: options.reveal } : {}),
  };
}
