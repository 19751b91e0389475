/**
 * Whether a job's owning process is still at work. On this machine the process is asked directly;
 * a data folder on a shared drive may hold a job owned by another machine, whose process cannot
 * be asked, so its job counts as alive while it keeps writing (every committed item touches the
 * job) and as abandoned once it has been silent for OWNER_SILENCE_MS.
 */
import { hostname } from "node:os";

export const OWNER_SILENCE_MS = 30 * 60_000;

export type JobOwner = { owner_pid: number | null; owner_host: string | null; updated_at: string };

export const THIS_HOST = hostname();

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function isOwnedHere(job: JobOwner): boolean {
  return job.owner_pid === process.pid && (job.owner_host === null || job.owner_host === THIS_HOST);
}

/** True when another live process (here or, by its recent writes, on another machine) owns the job. */
export function ownedElsewhere(job: JobOwner, now = Date.now()): boolean {
  if (job.owner_pid === null || isOwnedHere(job)) return false;
  if (job.owner_host !== null && job.owner_host !== THIS_HOST) return now - Date.parse(job.updated_at) < OWNER_SILENCE_MS;
  return isProcessAlive(job.owner_pid);
}

/** Names the owner in a refusal: "process 123" or "process 123 on ward-pc-7". */
export function ownerLabel(job: JobOwner): string {
  return job.owner_host !== null && job.owner_host !== THIS_HOST ? `process ${job.owner_pid} on ${job.owner_host}` : `process ${job.owner_pid}`;
}
