// The test sshd on 127.0.0.1:2222 (scripts/ci/start-sshd.sh, started by .ci/run): the cluster's
// login node as the fine-tuning transport sees it. Its state folder holds the keys and known_hosts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export type TestSshd = {
  host: string;
  port: number;
  username: string;
  /** Authorized for `username`. */
  privateKeyPath: string;
  /** A key the server does not accept. */
  wrongKeyPath: string;
  /** Holds the server's host key line. */
  knownHostsPath: string;
  hostKeyPubPath: string;
  stateDir: string;
};

export const SSHD_DIR = process.env.ONCO_TEST_SSH_DIR ?? "/var/lib/oncotimeline-test-ssh";

export function testSshd(): TestSshd {
  return {
    host: "127.0.0.1",
    port: 2222,
    username: os.userInfo().username,
    privateKeyPath: path.join(SSHD_DIR, "client_ed25519"),
    wrongKeyPath: path.join(SSHD_DIR, "wrong_ed25519"),
    knownHostsPath: path.join(SSHD_DIR, "known_hosts"),
    hostKeyPubPath: path.join(SSHD_DIR, "host_ed25519_key.pub"),
    stateDir: SSHD_DIR,
  };
}

/** Whether something accepts TCP connections on the port; a child process keeps this check synchronous for describe.skipIf. */
function listening(host: string, port: number): boolean {
  const probe = `require("node:net").connect(${port}, ${JSON.stringify(host)}).on("connect", () => process.exit(0)).on("error", () => process.exit(1))`;
  return spawnSync(process.execPath, ["-e", probe], { timeout: 5000 }).status === 0;
}

/**
 * False only on a developer machine without the test sshd, where these tests are skipped; in CI
 * (whose .ci/run starts it) a missing one fails the run instead.
 */
export function haveSshd(): TestSshd | false {
  const settings = testSshd();
  const missing = [settings.privateKeyPath, settings.wrongKeyPath, settings.knownHostsPath, settings.hostKeyPubPath].filter((file) => !existsSync(file));
  const problem = missing.length > 0 ? `missing ${missing.join(", ")}` : listening(settings.host, settings.port) ? null : `nothing listens on ${settings.host}:${settings.port}`;
  if (problem === null) return settings;
  if (process.env.CI) throw new Error(`no test sshd here (${problem}): .ci/run starts one with scripts/ci/start-sshd.sh`);
  return false;
}
