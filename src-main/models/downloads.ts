/**
 * The base-model downloads of this process (the Models screen's "Download a base model"): each runs
 * in the background with node-llama-cpp's downloader (downloadModel: resumable, size and SHA-256
 * checked), then goes through the usual verified registration. The screen polls `list`; `cancel`
 * aborts and keeps the partial file, so a new download of the same address resumes it.
 */
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { ApiFailure, DEFAULT_BASE_MODEL, type ModelDownload } from "../../src-shared/api.ts";
import { DownloadError, downloadModel } from "./downloadModel.ts";

export type DownloadRequest = { uri?: string | undefined; sha256?: string | undefined; name?: string | undefined };

export type ModelDownloadsDeps = {
  /** Where the GGUFs go: the data folder's models/. */
  dir: string;
  /** The Hugging Face token for gated repositories, read at each start (the app's store, else HF_TOKEN). */
  token: () => string | null;
  /** The verified registration (load and generate here); resolves with the model's id. */
  register: (file: string, name: string | undefined) => Promise<number>;
  log: (error: unknown) => void;
};

export type ModelDownloads = {
  start(request: DownloadRequest): ModelDownload;
  list(): ModelDownload[];
  cancel(id: number): ModelDownload;
  /** Aborts the running downloads (their partial files stay) and waits for them to stop. */
  close(): Promise<void>;
};

type Entry = { view: ModelDownload; abort: AbortController; settled: Promise<void> };

const active = (view: ModelDownload) => view.state === "running" || view.state === "verifying";

export function createModelDownloads(deps: ModelDownloadsDeps): ModelDownloads {
  const entries = new Map<number, Entry>();
  let nextId = 1;
  let closed = false;

  const finish = (view: ModelDownload, state: ModelDownload["state"], message: string | null) => {
    Object.assign(view, { state, message, bytesPerSecond: 0, finishedAt: new Date().toISOString() });
  };

  async function run(entry: Entry, request: DownloadRequest): Promise<void> {
    const { view, abort } = entry;
    const token = deps.token() ?? undefined;
    // A token must never reach a message the screen shows or the log keeps.
    const redact = (text: string) => (token ? text.split(token).join("[token]") : text);
    let downloaded;
    try {
      downloaded = await downloadModel({
        uri: view.uri,
        dir: deps.dir,
        sha256: request.sha256,
        token,
        signal: abort.signal,
        onProgress: ({ downloadedBytes, totalBytes, bytesPerSecond }) => {
          if (view.state === "running") Object.assign(view, { downloadedBytes, totalBytes, bytesPerSecond });
        },
        onVerifying: () => {
          if (view.state === "running") Object.assign(view, { state: "verifying", bytesPerSecond: 0, downloadedBytes: Math.max(view.downloadedBytes, view.totalBytes) });
        },
      });
    } catch (error) {
      if (abort.signal.aborted) return finish(view, "cancelled", cancelledMessage(view));
      const message = error instanceof DownloadError ? error.message : `download of ${view.uri} stopped: ${(error as Error).message} (download it again to resume it)`;
      return finish(view, "failed", redact(message));
    }
    Object.assign(view, { path: downloaded.path, sha256: downloaded.sha256, checkedAgainst: downloaded.checkedAgainst, downloadedBytes: downloaded.bytes, totalBytes: downloaded.bytes });
    // All the bytes came before the cancel did: the file is whole, but not registered.
    if (abort.signal.aborted) return finish(view, "cancelled", `Cancelled once the file was whole (${downloaded.path}): download the same address again to check and register it.`);
    view.state = "verifying";
    try {
      view.modelId = await deps.register(downloaded.path, request.name);
      finish(view, "registered", null);
    } catch (error) {
      finish(view, "failed", redact((error as Error).message));
    }
  }

  return {
    start(request) {
      if (closed) throw new ApiFailure("conflict", "the app is closing: no new download starts");
      const uri = request.uri ?? DEFAULT_BASE_MODEL.uri;
      const busy = [...entries.values()].find((entry) => entry.view.uri === uri && active(entry.view));
      // Two downloaders on one file would write over each other's partial file.
      if (busy) throw new ApiFailure("conflict", `${uri} is being downloaded already (download ${busy.view.id})`);
      const view: ModelDownload = {
        id: nextId++,
        uri,
        name: request.name ?? null,
        state: "running",
        downloadedBytes: 0,
        totalBytes: 0,
        bytesPerSecond: 0,
        message: null,
        path: null,
        sha256: null,
        checkedAgainst: null,
        modelId: null,
        startedAt: new Date().toISOString(),
        finishedAt: null,
      };
      const entry: Entry = { view, abort: new AbortController(), settled: Promise.resolve() };
      entries.set(view.id, entry);
      entry.settled = run(entry, request).catch((error: unknown) => {
        deps.log(error);
        if (active(view)) finish(view, "failed", (error as Error).message);
      });
      return { ...view };
    },

    list() {
      return [...entries.values()].map((entry) => ({ ...entry.view })).reverse();
    },

    cancel(id) {
      const entry = entries.get(id);
      if (!entry) throw new ApiFailure("not-found", `no download ${id}`);
      const { view } = entry;
      if (view.state === "verifying") throw new ApiFailure("conflict", `download ${id} has all its bytes and is being checked (SHA-256, then a test load): it can no longer be cancelled`);
      if (view.state !== "running") throw new ApiFailure("conflict", `download ${id} is ${view.state} already`);
      finish(view, "cancelled", cancelledMessage(view));
      entry.abort.abort();
      return { ...view };
    },

    async close() {
      closed = true;
      const running = [...entries.values()].filter((entry) => entry.view.state === "running");
      for (const entry of running) entry.abort.abort();
      await Promise.all(running.map((entry) => entry.settled));
    },
  };
}

function cancelledMessage(view: ModelDownload): string {
  const got = view.totalBytes > 0 ? `${formatBytes(view.downloadedBytes)} of ${formatBytes(view.totalBytes)}` : formatBytes(view.downloadedBytes);
  return `Cancelled after ${got}: the partial file is kept, and downloading the same address again resumes it.`;
}
