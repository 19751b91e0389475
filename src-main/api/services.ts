/**
 * The main-side services behind the API contract, wired for one data folder. Composition roots
 * (the Electron main process, `oncotimeline serve`) call createServices and expose `handlers`
 * over IPC or loopback HTTP; nothing here knows which.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ApiHandlers, ExportResult, ImportReport, ImportFileResult, ModelSummary, SecretName, SecretStore, SecretsStatus, Settings } from "../../src-shared/api.ts";
import { ApiFailure, SECRET_NAMES, SettingsSchema } from "../../src-shared/api.ts";
import { appendAudit } from "../audit/auditLog.ts";
import { fileSha256 } from "../export/atomicFile.ts";
import { runExport, type AnyExportResult } from "../export/runExport.ts";
import { extractedLetters, resolveExportModel } from "../export/source.ts";
import { letterTimeline } from "../export/json/jsonExport.ts";
import { prepareLetter } from "../export/json/prune.ts";
import { ExtractionJobs, type StartableEngine } from "../extract/jobControl.ts";
import { LlamaEngine, type LlamaEngineOptions } from "../extract/llama/llamaEngine.ts";
import { probeEstimate, probeHardware } from "../extract/llama/probe.ts";
import { verifyModel } from "../extract/llama/verifyModel.ts";
import type { WorkerSpawner } from "../extract/llama/protocol.ts";
import { OpenAiCompatibleEngine } from "../extract/openai/openAiEngine.ts";
import { loadExtractionPrompt } from "../extract/prompt.ts";
import { importPaths, type ImportEvent } from "../ingest/importToStore.ts";
import { openStore, type Db } from "../store/db.ts";
import { pageLetters } from "../store/letterPage.ts";
import { countLetters, getLetter, sourceLabel } from "../store/letters.ts";
import { getModelById, isServerModel, listModels, registerModel, type ModelRow } from "../store/models.ts";
import { getSetting, setSetting } from "../store/settings.ts";
import { mergePatientTimeline } from "../timeline/index.ts";
import { Studio } from "../synth/studio.ts";
import { applyReviewEdit, reviewView, setReviewState } from "../timeline/review.ts";

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

export type Services = { db: Db; handlers: ApiHandlers; jobs: ExtractionJobs; studio: Studio; close(): Promise<void> };

export const DEFAULT_SETTINGS: Settings = {
  reviewer: "",
  extraction: { parallel: 1, contexts: null, contextSize: 8192, maxTokens: 4096, gpu: "auto" },
  export: { bom: false, excludeUngrounded: false, folder: null },
};

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function createServices(serviceOptions: ServicesOptions): Services {
  const options = serviceOptions.spawnWorker ? { ...serviceOptions, engine: { ...serviceOptions.engine, spawnWorker: serviceOptions.spawnWorker } } : serviceOptions;
  const db = openStore(options.dataDir);
  const log = options.log ?? ((error: unknown) => console.error(error));

  const settings = (): Settings => {
    const stored = SettingsSchema.safeParse(getSetting(db, "app"));
    return stored.success ? stored.data : DEFAULT_SETTINGS;
  };
  const reviewer = () => settings().reviewer || os.userInfo().username;

  const openEngine = async (model: ModelRow): Promise<StartableEngine> => {
    const prompt = loadExtractionPrompt();
    const chosen = settings().extraction;
    if (isServerModel(model)) {
      // Registered by `extract --server` after the host policy let it through.
      const apiKey = secret("inference-server-api-key");
      return new OpenAiCompatibleEngine({ systemPrompt: prompt.text, baseUrl: model.path, onPremise: true, parallel: chosen.parallel, maxTokens: chosen.maxTokens, apiKey: apiKey ?? undefined });
    }
    if (!existsSync(model.path)) throw new Error(`the model file is missing: ${model.path}`);
    return new LlamaEngine({
      ...options.engine,
      modelPath: model.path,
      systemPrompt: prompt.text,
      parallel: chosen.parallel,
      contextSize: chosen.contextSize,
      maxTokens: chosen.maxTokens,
      ...(chosen.contexts === null ? {} : { contexts: chosen.contexts }),
      gpu: chosen.gpu === "off" ? false : (options.engine?.gpu ?? "auto"),
    });
  };
  const jobs = new ExtractionJobs({ db, openEngine, prompt: () => loadExtractionPrompt(), log, dataDir: options.dataDir });
  /** A key from the desktop app's store, else from the environment (the CLI's and `serve`'s way). */
  const secret = (name: SecretName): string | null => {
    try {
      const stored = options.secrets?.get(name);
      if (stored) return stored;
    } catch (error) {
      log(error);
    }
    return process.env[SECRET_ENV[name]] || null;
  };
  const studio = new Studio({ db, apiKey: () => secret("anthropic-api-key"), log });

  const exported = new Set<string>();

  const model = (id: number): ModelRow => {
    const found = getModelById(db, id);
    if (!found) throw new ApiFailure("not-found", `no model ${id}`);
    return found;
  };

  const handlers: ApiHandlers = {
    "app.info": () => ({ version: PACKAGE_VERSION, dataDir: options.dataDir, letters: countLetters(db), user: reviewer() }),

    "letters.list": (input) => pageLetters(db, input),
    "letters.get": ({ id }) => {
      const letter = getLetter(db, id);
      if (!letter) throw new ApiFailure("not-found", `no letter ${id}`);
      return { id, patient: letter.patient, letterDate: letter.letter_date, source: sourceLabel(letter.source_path, letter.source_row), text: letter.text };
    },
    "letters.import": ({ paths }) => importWithReport(db, paths),
    "letters.upload": ({ files }) => {
      // Kept in the data folder: they are the originals the letters' provenance points to.
      const folder = path.join(options.dataDir, "uploads", new Date().toISOString().replace(/[:.]/g, "-"));
      mkdirSync(folder, { recursive: true });
      const written = files.map((file, i) => {
        const safe = path.basename(file.name).replace(/[^\p{L}\p{N}._ -]/gu, "_") || `file-${i + 1}`;
        const target = path.join(folder, files.findIndex((other) => other.name === file.name) === i ? safe : `${i + 1}-${safe}`);
        writeFileSync(target, Buffer.from(file.base64, "base64"));
        return target;
      });
      return importWithReport(db, written, folder);
    },

    "patients.list": ({ modelId }) => {
      const chosen = modelId ?? resolveExportModel(db, undefined)?.id ?? null;
      return db
        .prepare(
          `SELECT p.external_id AS id, count(l.id) AS letters, count(e.id) AS extracted FROM patients p JOIN letters l ON l.patient_id = p.id
           LEFT JOIN extractions e ON e.letter_id = l.id AND e.model_id = ? AND e.status = 'ok' GROUP BY p.id ORDER BY p.external_id`,
        )
        .all(chosen) as { id: string; letters: number; extracted: number }[];
    },
    "patients.timeline": ({ patient, modelId }) => {
      const chosen = modelId === undefined ? resolveExportModel(db, undefined) : model(modelId);
      const letters = [];
      for (const item of extractedLetters(db, chosen, { patient })) {
        const timeline = letterTimeline(prepareLetter(item, false));
        if (timeline) letters.push(timeline);
      }
      if (letters.length === 0 && !db.prepare("SELECT 1 FROM patients WHERE external_id = ?").get(patient)) throw new ApiFailure("not-found", `no patient ${patient}`);
      return mergePatientTimeline(patient, letters);
    },

    "models.list": () => listModels(db).map(modelSummary),
    "models.add": async ({ path: file, name }) => {
      if (!existsSync(file)) throw new ApiFailure("invalid-input", `no such file: ${file}`);
      const verified = await verifyModel(file, { ...pick(options.engine), gpu: settings().extraction.gpu === "off" ? false : (options.engine?.gpu ?? "auto") });
      if (!verified.ok) throw new ApiFailure("invalid-input", `refused ${file}: ${verified.message}`);
      return modelSummary(registerModel(db, file, name));
    },
    "models.hardware": () => probeHardware(options.engine?.spawnWorker),
    "models.estimate": async ({ modelId, parallel, contextSize }) => {
      const row = model(modelId);
      if (isServerModel(row)) throw new ApiFailure("conflict", `"${row.name}" runs on a server (${row.path}): its memory is the server's`);
      const chosen = settings().extraction;
      const estimate = await probeEstimate({ modelPath: row.path, parallel: parallel ?? chosen.parallel, contextSize: contextSize ?? chosen.contextSize, gpu: chosen.gpu !== "off" }, options.engine?.spawnWorker);
      return { modelId, ...estimate };
    },

    "jobs.list": ({ limit }) => jobs.list(limit),
    "jobs.get": ({ id }) => jobs.detail(id),
    "jobs.startExtraction": ({ modelId, retryFailed }) => jobs.start(modelId, retryFailed),
    "jobs.pause": ({ id }) => jobs.pause(id),
    "jobs.resume": ({ id }) => jobs.resume(id),
    "jobs.cancel": ({ id }) => jobs.cancel(id),

    "review.get": ({ letterId, modelId }) => reviewView(db, letterId, modelId),
    "review.edit": ({ extractionId, edit }) => applyReviewEdit(db, extractionId, edit, reviewer()),
    "review.setState": ({ extractionId, state }) => setReviewState(db, extractionId, state),

    "export.run": (input) => {
      const chosen = input.modelId === undefined ? undefined : model(input.modelId).name;
      let result: ExportResult;
      try {
        result = exportResult(runExport(db, { ...input, model: chosen }));
      } catch (error) {
        throw new ApiFailure("failed", `export failed: ${(error as Error).message}`);
      }
      for (const file of result.paths) exported.add(file);
      return result;
    },
    "export.reveal": ({ path: file }) => {
      // Only what this session wrote: the page cannot make the file manager open anything else.
      if (!exported.has(file)) throw new ApiFailure("invalid-input", `${file} was not exported in this session`);
      if (!options.reveal) throw new ApiFailure("conflict", `open it from your file manager: ${file}`);
      options.reveal(file);
      return { shown: true };
    },

    "secrets.status": () => secretsStatus(options.secrets),
    "secrets.set": ({ name, value }) => {
      if (!options.secrets) throw new ApiFailure("conflict", NO_SECRET_STORE);
      try {
        options.secrets.set(name, value);
      } catch (error) {
        throw new ApiFailure("failed", (error as Error).message);
      }
      appendAudit(db, { action: "secret-set", subject: name });
      return secretsStatus(options.secrets);
    },
    "secrets.delete": ({ name }) => {
      if (!options.secrets) throw new ApiFailure("conflict", NO_SECRET_STORE);
      options.secrets.delete(name);
      appendAudit(db, { action: "secret-deleted", subject: name });
      return secretsStatus(options.secrets);
    },

    "studio.sampleGrid": ({ n, seed }) => studio.sample(n, seed),
    "studio.generate": (input) => studio.start(input),
    "studio.stop": () => studio.stop(),
    "studio.status": () => studio.status(),
    "studio.letters": (input) => studio.letters(input),
    "studio.decide": ({ id, status }) => studio.decide(id, status, reviewer()),

    "settings.get": () => settings(),
    "settings.set": (input) => {
      setSetting(db, "app", input);
      return settings();
    },
  };

  return {
    db,
    handlers,
    jobs,
    studio,
    close: async () => {
      if (studio.status().current?.state === "running") studio.stop();
      await Promise.all([jobs.close(), studio.idle()]);
      db.close();
    },
  };
}

const SECRET_ENV: Record<(typeof SECRET_NAMES)[number], string> = {
  "anthropic-api-key": "ANTHROPIC_API_KEY",
  "openpipe-api-key": "OPENPIPE_API_KEY",
  "inference-server-api-key": "ONCOTIMELINE_SERVER_API_KEY",
};

const NO_SECRET_STORE = "this build keeps no API keys (only the desktop app stores them, encrypted by the operating system): set them in the environment of `oncotimeline serve` instead";

function secretsStatus(store: SecretStore | undefined): SecretsStatus {
  let message: string | null = store ? null : NO_SECRET_STORE;
  const secrets = SECRET_NAMES.map((name) => {
    let stored = false;
    try {
      stored = store?.has(name) ?? false;
    } catch (error) {
      message = (error as Error).message;
    }
    return { name, stored, fromEnvironment: Boolean(process.env[SECRET_ENV[name]]) };
  });
  return { canStore: store !== undefined && message === null, message, secrets };
}

function pick(engine: Partial<LlamaEngineOptions> | undefined) {
  if (!engine) return {};
  const { threads, temperature, seed, spawnWorker, loadTimeoutMs } = engine;
  return { threads, temperature, seed, spawnWorker, loadTimeoutMs };
}

function modelSummary(row: ModelRow): ModelSummary {
  return { id: row.id, name: row.name, path: row.path, bytes: row.bytes, addedAt: row.added_at, server: isServerModel(row) };
}

/** Per-file results: a CSV or JSONL file's rows are summed into one line for the file. */
async function importWithReport(db: Db, paths: string[], stagingFolder?: string): Promise<ImportReport> {
  const files = new Map<string, ImportFileResult>();
  const label = (source: string) => {
    const file = source.replace(/:\d+$/, "");
    return stagingFolder && file.startsWith(stagingFolder + path.sep) ? file.slice(stagingFolder.length + 1) : file;
  };
  const entry = (source: string) => {
    const key = label(source);
    let found = files.get(key);
    if (!found) files.set(key, (found = { source: key, status: "duplicate", letters: 0, message: null }));
    return found;
  };
  const onEvent = (event: ImportEvent) => {
    const file = entry(event.source);
    if (event.type === "imported") {
      file.letters++;
      if (file.status !== "problem") file.status = "imported";
    } else if (event.type === "problem") {
      file.status = "problem";
      file.message = file.message ? `${file.message}; ${event.message}` : event.message;
    } else if (event.type === "skipped") {
      file.status = "skipped";
      file.message = event.reason;
    }
  };
  const summary = await importPaths(db, paths, {}, onEvent);
  return { imported: summary.imported, duplicates: summary.duplicates, problems: summary.problems, files: [...files.values()] };
}

function exportResult(exported: AnyExportResult): ExportResult {
  switch (exported.format) {
    case "json":
      return { format: "json", paths: [exported.result.path], rows: exported.result.letters, letters: exported.result.letters, sha256: fileSha256(exported.result.path) };
    case "redcap":
      return { format: "redcap", paths: [exported.result.dictionary, exported.result.import], rows: exported.result.rows, letters: exported.result.letters, sha256: fileSha256(exported.result.import) };
    case "fhir":
      return { format: "fhir", paths: [exported.result.folder], rows: exported.result.resources, letters: exported.result.bundles, sha256: null };
    default:
      return { format: exported.format, paths: [exported.result.path], rows: exported.result.rows, letters: exported.result.letters, sha256: fileSha256(exported.result.path) };
  }
}
