import os from "node:os";
import path from "node:path";
import { ClusterSettingsSchema, type ClusterSettings } from "../../src-shared/api/finetune.ts";
import type { SettingsSection } from "../settings/section.ts";
import type { SshSettings } from "./ssh/sshSession.ts";

/** Defaults: a job the size of one QLoRA run of an 8B model on one GPU for up to a day. */
export const clusterSettings: SettingsSection<ClusterSettings> = {
  name: "cluster",
  fieldPrefix: "cluster.",
  fields: ClusterSettingsSchema.shape,
  defaults: {
    host: null,
    port: 22,
    username: null,
    privateKeyPath: null,
    knownHostsPath: null,
    workDir: "oncotimeline-finetune",
    baseCheckpointDir: null,
    partition: null,
    gpus: 1,
    cpusPerTask: 8,
    mem: "64G",
    time: "24:00:00",
    account: null,
    envSetup: "",
  },
};

export class ClusterNotSetUpError extends Error {}

/**
 * The SSH settings of a cluster that is set up; refuses naming every setting still missing. A
 * connection test needs only the login; a training job also the base checkpoint.
 */
export function sshSettingsOf(cluster: ClusterSettings, purpose: "connect" | "train" = "train"): SshSettings & { baseCheckpointDir: string | null } {
  const needed = purpose === "train" ? (["host", "username", "privateKeyPath", "baseCheckpointDir"] as const) : (["host", "username", "privateKeyPath"] as const);
  const missing = needed.filter((field) => cluster[field] === null);
  if (missing.length > 0) throw new ClusterNotSetUpError(`the cluster is not set up: ${missing.map((field) => `cluster.${field}`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing`);
  return {
    host: cluster.host as string,
    port: cluster.port,
    username: cluster.username as string,
    privateKeyPath: cluster.privateKeyPath as string,
    knownHostsPath: cluster.knownHostsPath ?? path.join(os.homedir(), ".ssh", "known_hosts"),
    baseCheckpointDir: cluster.baseCheckpointDir,
  };
}
