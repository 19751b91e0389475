// File moves over one SFTP channel. Uploads and downloads land under a temporary name and are
// renamed into place, so a file that exists under its real name is always complete: the job
// script, the training set and the adapter a job writes back are never read half-copied.
import { randomBytes } from "node:crypto";
import { mkdir, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { SFTPWrapper, Stats } from "ssh2";
import { SshError } from "./sshErrors.ts";

/** SFTP status codes (draft-ietf-secsh-filexfer-02), the ones decided on here. */
const SFTP_EOF = 1;
const SFTP_NO_SUCH_FILE = 2;

export type UploadSummary = { files: number; bytes: number };

/** A piece of a remote file read from `offset` on; pass `offset` back for the next piece. */
export type RemoteChunk = {
  text: string;
  offset: number;
  /** The file had become shorter than the offset asked for (rewritten or truncated), so it was read from the start. */
  restarted: boolean;
};

type SftpError = Error & { code?: number | string };

function call<T>(what: string, run: (done: (error: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(new SshError(`${what}: ${error.message}`, { cause: error })) : resolve(value as T)));
  });
}

function isMissing(error: unknown): boolean {
  return (((error as { cause?: SftpError }).cause ?? error) as SftpError).code === SFTP_NO_SUCH_FILE;
}

function tempName(target: string): string {
  return path.posix.join(path.posix.dirname(target), `.${path.posix.basename(target)}.part-${randomBytes(4).toString("hex")}`);
}

export async function remoteStat(sftp: SFTPWrapper, remote: string): Promise<Stats | null> {
  try {
    return await call<Stats>(`cannot look at ${remote}`, (done) => sftp.stat(remote, done));
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

export async function remoteExists(sftp: SFTPWrapper, remote: string): Promise<boolean> {
  return (await remoteStat(sftp, remote)) !== null;
}

/** `mkdir -p`: each missing folder on the way is made; one made meanwhile by someone else is fine. */
export async function remoteMkdirP(sftp: SFTPWrapper, remoteDir: string): Promise<void> {
  const parts = path.posix.normalize(remoteDir).split("/");
  let current = remoteDir.startsWith("/") ? "/" : "";
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    current = current === "" ? part : path.posix.join(current, part);
    const found = await remoteStat(sftp, current);
    if (found?.isDirectory()) continue;
    if (found) throw new SshError(`cannot make the folder ${current} on the cluster: a file of that name is in the way`);
    try {
      await call<void>(`cannot make the folder ${current} on the cluster`, (done) => sftp.mkdir(current, done));
    } catch (error) {
      if (!(await remoteStat(sftp, current))?.isDirectory()) throw error;
    }
  }
}

/** Replaces `target` in one step where the server can (OpenSSH's posix-rename); plain SFTP rename refuses an existing target. */
async function renameOver(sftp: SFTPWrapper, from: string, target: string): Promise<void> {
  const what = `cannot move ${from} to ${target} on the cluster`;
  try {
    await call<void>(what, (done) => sftp.ext_openssh_rename(from, target, done));
    return;
  } catch (error) {
    if (!(error instanceof Error) || !/does not support/.test(error.message)) throw error;
  }
  try {
    await call<void>(`cannot replace ${target} on the cluster`, (done) => sftp.unlink(target, done));
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  await call<void>(what, (done) => sftp.rename(from, target, done));
}

async function removeQuietly(sftp: SFTPWrapper, remote: string): Promise<void> {
  await new Promise<void>((resolve) => sftp.unlink(remote, () => resolve()));
}

/** Keeps the local file's permission bits (an executable script stays executable). */
export async function uploadFile(sftp: SFTPWrapper, localFile: string, remoteFile: string): Promise<number> {
  const local = await stat(localFile);
  await remoteMkdirP(sftp, path.posix.dirname(remoteFile));
  const temp = tempName(remoteFile);
  try {
    await call<void>(`cannot upload ${localFile} to ${remoteFile}`, (done) => sftp.fastPut(localFile, temp, { mode: local.mode & 0o777 }, done));
    await renameOver(sftp, temp, remoteFile);
  } catch (error) {
    await removeQuietly(sftp, temp);
    throw error;
  }
  return local.size;
}

/**
 * Copies a local folder's tree into `remoteDir` (made if missing; files already there are
 * replaced, others left). Symbolic links are followed, each real folder once.
 */
export async function uploadDir(sftp: SFTPWrapper, localDir: string, remoteDir: string): Promise<UploadSummary> {
  const summary: UploadSummary = { files: 0, bytes: 0 };
  const seen = new Set<string>();
  const walk = async (local: string, remote: string): Promise<void> => {
    const real = await realpath(local);
    if (seen.has(real)) return;
    seen.add(real);
    await remoteMkdirP(sftp, remote);
    for (const entry of (await readdir(local)).sort()) {
      const localPath = path.join(local, entry);
      const remotePath = path.posix.join(remote, entry);
      const info = await stat(localPath);
      if (info.isDirectory()) await walk(localPath, remotePath);
      else if (info.isFile()) {
        summary.bytes += await uploadFile(sftp, localPath, remotePath);
        summary.files += 1;
      }
    }
  };
  if (!(await stat(localDir)).isDirectory()) throw new SshError(`${localDir} is not a folder`);
  await walk(localDir, remoteDir);
  return summary;
}

export async function downloadFile(sftp: SFTPWrapper, remoteFile: string, localFile: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(localFile)), { recursive: true });
  const temp = `${path.resolve(localFile)}.part-${randomBytes(4).toString("hex")}`;
  try {
    await call<void>(`cannot download ${remoteFile} from the cluster`, (done) => sftp.fastGet(remoteFile, temp, done));
    await rename(temp, localFile);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Bytes at the end that begin a UTF-8 character not yet complete (a log line still being written). */
function incompleteUtf8Tail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Reads what was written to a remote file since `offset` (default 0), at most `maxBytes` (default
 * 1 MiB) at a time, for following a job's log. A character cut in two at the end is left for the
 * next read rather than returned broken.
 */
export async function readRemoteFile(sftp: SFTPWrapper, remoteFile: string, options: { offset?: number; maxBytes?: number } = {}): Promise<RemoteChunk> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  const info = await call<Stats>(`cannot read ${remoteFile} on the cluster`, (done) => sftp.stat(remoteFile, done));
  let offset = options.offset ?? 0;
  const restarted = info.size < offset;
  if (restarted) offset = 0;
  const wanted = Math.min(info.size - offset, maxBytes);
  if (wanted <= 0) return { text: "", offset, restarted };
  const handle = await call<Buffer>(`cannot open ${remoteFile} on the cluster`, (done) => sftp.open(remoteFile, "r", done));
  const buffer = Buffer.alloc(wanted);
  let filled = 0;
  try {
    while (filled < wanted) {
      const read = await new Promise<number>((resolve, reject) =>
        sftp.read(handle, buffer, filled, wanted - filled, offset + filled, (error, bytesRead) => {
          if (error && (error as SftpError).code !== SFTP_EOF) reject(new SshError(`cannot read ${remoteFile} on the cluster: ${error.message}`, { cause: error }));
          else resolve(error ? 0 : bytesRead);
        }),
      );
      if (read === 0) break;
      filled += read;
    }
  } finally {
    await new Promise<void>((resolve) => sftp.close(handle, () => resolve()));
  }
  const complete = filled - incompleteUtf8Tail(buffer.subarray(0, filled));
  return { text: buffer.subarray(0, complete).toString("utf8"), offset: offset + complete, restarted };
}
