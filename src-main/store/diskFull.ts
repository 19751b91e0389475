/**
 * A full disk, said as what to do about it. SQLite reports SQLITE_FULL and a file write ENOSPC;
 * either stops a batch (nothing more can be saved), and the batch goes on once there is room.
 */
/** @param nextStep how to go on, e.g. "run the command again" */
export function diskFullMessage(error: unknown, dataDir: string, nextStep: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "SQLITE_FULL" && code !== "ENOSPC") return undefined;
  return `the disk is full (${(error as Error).message}; data folder ${dataDir}): free some space and ${nextStep}; everything saved before this is kept`;
}
