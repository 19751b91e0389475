/**
 * Brings a base model GGUF to the workstation with node-llama-cpp's own downloader (parallel
 * connections, a partial file kept on interruption so the next run resumes), then checks its size
 * and SHA-256: against the one given, or the one Hugging Face publishes for the file (the LFS
 * object id in its X-Linked-Etag), so a damaged or substituted file is never registered.
 */
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { createModelDownloader } from "node-llama-cpp";

/** What a newcomer gets without choosing (named in src-shared: the Models screen shows it too). */
export { DEFAULT_BASE_MODEL } from "../../src-shared/baseModel.ts";

export type DownloadProgress = { downloadedBytes: number; totalBytes: number; bytesPerSecond: number };

export type DownloadRequest = {
  uri: string;
  dir: string;
  /** Expected SHA-256 (hex); default: Hugging Face's own for an hf: file, else none (the hash is reported, not checked). */
  sha256?: string | undefined;
  /** Default https://huggingface.co/ (or HF_ENDPOINT); tests point it at a loopback server. */
  huggingFaceEndpoint?: string | undefined;
  /** Hugging Face token for gated repositories (the Llama 3.1 files are gated). */
  token?: string | undefined;
  onProgress?: (progress: DownloadProgress) => void;
  /** Called once the bytes are all here, before the size and SHA-256 checks (hashing 5 GB takes a while). */
  onVerifying?: () => void;
  signal?: AbortSignal;
};

export type Downloaded = { path: string; bytes: number; sha256: string; checkedAgainst: "given" | "hugging-face" | null };

export class DownloadError extends Error {}

export async function downloadModel(request: DownloadRequest): Promise<Downloaded> {
  const endpoints = request.huggingFaceEndpoint === undefined ? {} : { endpoints: { huggingFace: request.huggingFaceEndpoint } };
  const expected = request.sha256?.toLowerCase() ?? (await huggingFaceSha256(request));
  let downloader;
  try {
    downloader = await createModelDownloader({
      modelUri: request.uri,
      dirPath: request.dir,
      deleteTempFileOnCancel: false,
      ...endpoints,
      ...(request.token === undefined ? {} : { tokens: { huggingFace: request.token } }),
      onProgress: ({ totalSize, downloadedSize, averageSpeed }) => request.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize, bytesPerSecond: averageSpeed }),
    });
  } catch (error) {
    throw new DownloadError(`cannot download ${request.uri}: ${(error as Error).message}`);
  }
  const file = await downloader.download(request.signal ? { signal: request.signal } : {});
  // node-llama-cpp returns (rather than throws) when its downloader is closed by the signal.
  if (request.signal?.aborted) throw new DownloadError(`download of ${request.uri} cancelled: its partial file is kept, and downloading it again resumes it`);
  request.onVerifying?.();
  const bytes = statSync(file).size;
  if (downloader.totalSize > 0 && bytes !== downloader.totalSize) throw new DownloadError(`${file} is ${bytes} bytes, the server said ${downloader.totalSize}: run the download again to resume it`);
  const sha256 = await fileSha256Async(file);
  if (expected !== null && sha256 !== expected) throw new DownloadError(`${file} has SHA-256 ${sha256}, expected ${expected}: the file is damaged or not the one asked for (delete it and download again)`);
  return { path: file, bytes, sha256, checkedAgainst: request.sha256 !== undefined ? "given" : expected !== null ? "hugging-face" : null };
}

/** Hugging Face names an LFS file's SHA-256 in the resolve URL's X-Linked-Etag (before its redirect to the CDN). */
async function huggingFaceSha256(request: DownloadRequest): Promise<string | null> {
  const match = /^hf:([^/]+)\/([^/]+)\/([^#]+)(?:#(.+))?$/.exec(request.uri);
  if (!match) return null;
  const [, user, repo, file, branch] = match;
  const endpoint = (request.huggingFaceEndpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co/").replace(/\/?$/, "/");
  const url = `${endpoint}${user}/${repo}/resolve/${branch ?? "main"}/${file}`;
  const response = await fetch(url, { method: "HEAD", redirect: "manual", headers: request.token === undefined ? {} : { authorization: `Bearer ${request.token}` } });
  if (response.status === 401 || response.status === 403) {
    throw new DownloadError(`Hugging Face refused ${user}/${repo} (${response.status}): the repository is gated; accept its licence on huggingface.co and give a token (HF_TOKEN)`);
  }
  if (response.status === 404) throw new DownloadError(`no such file on Hugging Face: ${user}/${repo}/${file}`);
  const etag = (response.headers.get("x-linked-etag") ?? response.headers.get("etag") ?? "").replace(/^W\//, "").replace(/"/g, "");
  return /^[0-9a-f]{64}$/.test(etag) ? etag : null;
}

function fileSha256Async(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}
