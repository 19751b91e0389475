/**
 * A full disk, said as what to do about it. SQLite reports SQLITE_FULL, or SQLITE_IOERR_SHMSIZE
 * when it cannot grow the WAL index as it opens the store; a file write reports ENOSPC. Any of
 * them stops a batch (nothing more can be saved), and the batch goes on once there is room.
 */
const DISK_FULL_CODES: ReadonlySet<unknown> = new Set(["SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "ENOSPC"]);

/** @param nextStep how to go on, e.g. "run the command again" */
export function diskFullMessage(error: unknown, dataDir: string, nextStep: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (!DISK_FULL_CODES.has(code)) return undefined;
  return `the disk is full (${(error as Error).message}; data folder ${dataDir}): free some space and ${nextStep}; everything saved before this is kept`;
}
