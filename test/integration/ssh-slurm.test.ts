// The fine-tuning transport against a real sshd (scripts/ci/start-sshd.sh) and a real single-node
// Slurm (scripts/ci/start-slurm.sh): host key checks, key login, SFTP, and sbatch/scontrol/scancel
// over the connection. The login node is this machine, so a local temp folder is also the remote one.
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancel, jobState, SlurmRefused, submit, type JobState, type SubmitOptions } from "../../src-main/finetune/slurm/slurmRemote.ts";
import { shellCommand } from "../../src-main/finetune/ssh/shellQuote.ts";
import { HostKeyMismatch, HostKeyUnknown, SshAuthFailed, SshUnreachable } from "../../src-main/finetune/ssh/sshErrors.ts";
import { openSsh, type SshSession, type SshSettings } from "../../src-main/finetune/ssh/sshSession.ts";
import { haveSlurm } from "../helpers/slurm.ts";
import { haveSshd, type TestSshd } from "../helpers/ssh.ts";
import { useTempDirs } from "../helpers/tempDir.ts";

const tempDir = useTempDirs();
const sshd = haveSshd();

function settingsFor(server: TestSshd, overrides: Partial<SshSettings> = {}): SshSettings {
  const { host, port, username, privateKeyPath, knownHostsPath } = server;
  return { host, port, username, privateKeyPath, knownHostsPath, timeoutMs: 10_000, ...overrides };
}

async function refusal(settings: SshSettings): Promise<unknown> {
  return openSsh(settings).then(
    async (session) => {
      await session.close();
      throw new Error("connected, but should have been refused");
    },
    (error: unknown) => error,
  );
}

/** A known_hosts holding `line`, written with OpenSSH's tools where it should be hashed. */
function knownHostsWith(line: string, hashed = false): string {
  const file = path.join(tempDir(), "known_hosts");
  writeFileSync(file, `# written by the test\n${line}\n`);
  if (hashed) execFileSync("ssh-keygen", ["-H", "-f", file], { stdio: "ignore" });
  return file;
}

function keyField(pubFile: string): string {
  return readFileSync(pubFile, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

describe.skipIf(!sshd)("an SSH session to the test sshd", () => {
  const server = sshd as TestSshd;
  let session: SshSession;
  beforeAll(async () => {
    session = await openSsh(settingsFor(server));
  });
  afterAll(async () => session?.close());

  it("runs commands, returning exit status and both streams without throwing, and feeds stdin", async () => {
    expect(await session.exec("echo out; echo err >&2; exit 3")).toEqual({ code: 3, signal: null, stdout: "out\n", stderr: "err\n" });
    expect((await session.exec("whoami")).stdout.trim()).toBe(server.username);
    expect((await session.exec("wc -c", { stdin: "four" })).stdout.trim()).toBe("4");
    const awkward = "it's a $HOME `id` \"quoted\" ; | * \\ é";
    expect((await session.exec(shellCommand(["printf", "%s", awkward]))).stdout).toBe(awkward);
    expect((await session.exec(shellCommand(["printf", "%s", ""]))).code).toBe(0);
  });

  it("reports an unknown host with OpenSSH's fingerprint; accepting it appends the line and the next connection passes", async () => {
    const knownHostsPath = path.join(tempDir(), "ssh", "known_hosts");
    const unknown = await refusal(settingsFor(server, { knownHostsPath }));
    expect(unknown).toBeInstanceOf(HostKeyUnknown);
    const fromKeygen = execFileSync("ssh-keygen", ["-lf", server.hostKeyPubPath], { encoding: "utf8" }).split(/\s+/)[1];
    expect((unknown as HostKeyUnknown).fingerprint).toBe(fromKeygen);
    expect((unknown as HostKeyUnknown).keyType).toBe("ssh-ed25519");
    expect((unknown as Error).message).toContain(`127.0.0.1:2222 can't be established: its ssh-ed25519 key fingerprint is ${fromKeygen}`);
    expect(existsSync(knownHostsPath)).toBe(false);

    // A fingerprint other than the host's accepts nothing.
    expect(await refusal(settingsFor(server, { knownHostsPath, acceptFingerprint: "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }))).toBeInstanceOf(HostKeyUnknown);

    const accepted = await openSsh(settingsFor(server, { knownHostsPath, acceptFingerprint: fromKeygen }));
    expect((await accepted.exec("true")).code).toBe(0);
    await accepted.close();
    expect(readFileSync(knownHostsPath, "utf8")).toBe(`[127.0.0.1]:2222 ${keyField(server.hostKeyPubPath)}\n`);
    // OpenSSH itself finds the line written.
    expect(execFileSync("ssh-keygen", ["-F", "[127.0.0.1]:2222", "-f", knownHostsPath], { encoding: "utf8" })).toContain("Host [127.0.0.1]:2222 found: line 1");

    const again = await openSsh(settingsFor(server, { knownHostsPath }));
    await again.close();
    expect(readFileSync(knownHostsPath, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("passes a hashed known_hosts entry as OpenSSH writes it", async () => {
    const knownHostsPath = knownHostsWith(`[127.0.0.1]:2222 ${keyField(server.hostKeyPubPath)}`, true);
    expect(readFileSync(knownHostsPath, "utf8")).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /m);
    const hashed = await openSsh(settingsFor(server, { knownHostsPath }));
    await hashed.close();
  });

  it.each([
    ["plain", false],
    ["hashed", true],
  ])("refuses a host whose key differs from a %s known_hosts entry, even with a fingerprint accepted", async (_kind, hashed) => {
    const knownHostsPath = knownHostsWith(`[127.0.0.1]:2222 ${keyField(server.wrongKeyPath + ".pub")}`, hashed);
    const realFingerprint = execFileSync("ssh-keygen", ["-lf", server.hostKeyPubPath], { encoding: "utf8" }).split(/\s+/)[1];
    const mismatch = await refusal(settingsFor(server, { knownHostsPath, acceptFingerprint: realFingerprint }));
    expect(mismatch).toBeInstanceOf(HostKeyMismatch);
    expect((mismatch as Error).message).toContain("The host key of 127.0.0.1:2222 has changed");
    // ssh-keygen -H keeps the comment line, so the entry stays on line 2.
    expect((mismatch as Error).message).toContain(`${knownHostsPath}:2`);
    expect((mismatch as HostKeyMismatch).fingerprint).toBe(realFingerprint);
  });

  it("refuses a key the server does not accept, naming user, host and key file (not its contents)", async () => {
    const error = await refusal(settingsFor(server, { privateKeyPath: server.wrongKeyPath }));
    expect(error).toBeInstanceOf(SshAuthFailed);
    const message = (error as Error).message;
    expect(message).toContain(`refused user "${server.username}"`);
    expect(message).toContain("127.0.0.1:2222");
    expect(message).toContain(server.wrongKeyPath);
    expect(message).not.toContain(readFileSync(server.wrongKeyPath, "utf8").split("\n")[1]);
  });

  it("names a key file it cannot use before connecting, and never the passphrase", async () => {
    const dir = tempDir();
    const encrypted = path.join(dir, "encrypted_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "hunter2-secret", "-f", encrypted]);
    const cases: Array<[Partial<SshSettings>, string]> = [
      [{ privateKeyPath: encrypted }, `The private key ${encrypted} is protected by a passphrase, and none was given.`],
      [{ privateKeyPath: encrypted, passphrase: "wrong-secret" }, `The private key ${encrypted} is protected by a passphrase, and the one given does not open it.`],
      [{ privateKeyPath: `${encrypted}.pub` }, `The file ${encrypted}.pub holds a public key; give the private key file (the one without .pub).`],
      [{ privateKeyPath: path.join(dir, "nothing") }, `Cannot read the private key file ${path.join(dir, "nothing")}: ENOENT.`],
    ];
    for (const [overrides, message] of cases) {
      const error = await refusal(settingsFor(server, overrides));
      expect(error).toBeInstanceOf(SshAuthFailed);
      expect((error as Error).message).toBe(message);
    }
    // The right passphrase opens the key; the server then refuses it, as it is not authorized.
    const opened = await refusal(settingsFor(server, { privateKeyPath: encrypted, passphrase: "hunter2-secret" }));
    expect((opened as Error).message).toContain(`refused user "${server.username}"`);
    expect((opened as Error).message).not.toContain("hunter2");
  });

  it("gives up on a command that outlives its time limit, and the session goes on", async () => {
    const started = Date.now();
    await expect(session.exec("sleep 5", { timeoutMs: 300 })).rejects.toThrow(`A command on ${session.target} did not finish within 300 ms; its channel was closed.`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await session.exec("echo still here")).stdout).toBe("still here\n");
  });

  it("says which host:port cannot be reached", async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const error = await refusal(settingsFor(server, { port: free }));
    expect(error).toBeInstanceOf(SshUnreachable);
    expect((error as Error).message).toBe(`Cannot reach the SSH server at 127.0.0.1:${free}: connection refused (no SSH server listens on that port).`);
  });

  it("uploads a nested folder (each file complete or absent), downloads a file and tails a growing one", async () => {
    const local = tempDir();
    mkdirSync(path.join(local, "data", "deep"), { recursive: true });
    writeFileSync(path.join(local, "train.sbatch"), "#!/bin/bash\necho train\n");
    chmodSync(path.join(local, "train.sbatch"), 0o755);
    writeFileSync(path.join(local, "data", "train.jsonl"), '{"text":"a"}\n'.repeat(5000));
    writeFileSync(path.join(local, "data", "deep", "note é.txt"), "nested\n");
    const remote = path.join(tempDir(), "runs", "run 1");
    expect(await session.uploadDir(local, remote)).toEqual({ files: 3, bytes: 23 + 65_000 + 7 });
    expect(readFileSync(path.join(remote, "data", "train.jsonl"), "utf8")).toBe('{"text":"a"}\n'.repeat(5000));
    expect(readFileSync(path.join(remote, "data", "deep", "note é.txt"), "utf8")).toBe("nested\n");
    expect(statSync(path.join(remote, "train.sbatch")).mode & 0o777).toBe(0o755);
    expect(readdirSync(remote, { recursive: true }).filter((name) => String(name).includes(".part-"))).toEqual([]);
    // Again, over the files now there.
    writeFileSync(path.join(local, "data", "deep", "note é.txt"), "changed\n");
    await session.uploadDir(local, remote);
    expect(readFileSync(path.join(remote, "data", "deep", "note é.txt"), "utf8")).toBe("changed\n");

    expect(await session.exists(path.join(remote, "data", "train.jsonl"))).toBe(true);
    expect(await session.exists(path.join(remote, "data", "nothing"))).toBe(false);

    const back = path.join(tempDir(), "adapter", "train.jsonl");
    await session.downloadFile(path.join(remote, "data", "train.jsonl"), back);
    expect(readFileSync(back, "utf8")).toBe('{"text":"a"}\n'.repeat(5000));
    expect(readdirSync(path.dirname(back))).toEqual(["train.jsonl"]);

    const log = path.join(remote, "job.log");
    writeFileSync(log, "");
    let chunk = await session.readFile(log);
    expect(chunk).toEqual({ text: "", offset: 0, restarted: false });
    appendFileSync(log, "step 1\n");
    chunk = await session.readFile(log, { offset: chunk.offset });
    expect(chunk).toEqual({ text: "step 1\n", offset: 7, restarted: false });
    // Half of "é" written: it waits for the next read rather than coming back broken.
    const eAcute = Buffer.from("é");
    appendFileSync(log, Buffer.concat([Buffer.from("step 2 "), eAcute.subarray(0, 1)]));
    chunk = await session.readFile(log, { offset: chunk.offset });
    expect(chunk).toEqual({ text: "step 2 ", offset: 14, restarted: false });
    appendFileSync(log, Buffer.concat([eAcute.subarray(1), Buffer.from("\n")]));
    chunk = await session.readFile(log, { offset: chunk.offset });
    expect(chunk).toEqual({ text: "é\n", offset: 17, restarted: false });
    truncateSync(log, 0);
    appendFileSync(log, "run 2\n");
    expect(await session.readFile(log, { offset: chunk.offset })).toEqual({ text: "run 2\n", offset: 6, restarted: true });
    await expect(session.readFile(path.join(remote, "missing.log"))).rejects.toThrow(/missing\.log/);
  });
});

describe.skipIf(!sshd || !haveSlurm())("Slurm over the SSH session", () => {
  const server = sshd as TestSshd;
  let session: SshSession;
  beforeAll(async () => {
    session = await openSsh(settingsFor(server));
  });
  afterAll(async () => session?.close());

  /** Polls while the job waits, starts or runs; returns the first other state. */
  async function settled(id: string, timeoutMs = 30_000): Promise<JobState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await jobState(session, id);
      if (!["PENDING", "CONFIGURING", "RUNNING", "COMPLETING"].includes(state.state)) return state;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${state.state} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  /** A job folder on the "cluster" with the script uploaded over SFTP. This node has no GPU: gpus 0 sends --gres=none. */
  async function jobFolder(script: string): Promise<Pick<SubmitOptions, "script" | "workDir" | "gpus" | "cpusPerTask" | "mem">> {
    const local = tempDir();
    writeFileSync(path.join(local, "job.sbatch"), script);
    const workDir = path.join(tempDir(), "run 1");
    await session.uploadDir(local, workDir);
    return { script: "job.sbatch", workDir, gpus: 0, cpusPerTask: 1, mem: "100M" };
  }

  it("submits a batch script, follows it to COMPLETED and reads its output by SFTP", async () => {
    const folder = await jobFolder("#!/bin/bash\necho hello; echo \"greeting: $GREETING\"; sleep 1\n");
    const id = await submit(session, { ...folder, jobName: "onco hello", output: "hello-%j.out", exports: { GREETING: "good day, with commas, 'quotes' and $dollars" } });
    expect(id).toMatch(/^\d+$/);
    const final = await settled(id);
    expect(final).toMatchObject({ state: "COMPLETED", exitCode: 0, nodeList: os.hostname().split(".")[0], stdoutPath: path.join(folder.workDir, `hello-${id}.out`) });
    expect(final.startTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(final.endTime).toMatch(/^\d{4}-\d\d-\d\dT/);
    const output = await session.readFile(final.stdoutPath as string);
    expect(output.text).toBe("hello\ngreeting: good day, with commas, 'quotes' and $dollars\n");
  });

  it("reports a failing script as FAILED with its exit code", async () => {
    const folder = await jobFolder("#!/bin/bash\necho failing >&2\nexit 7\n");
    const final = await settled(await submit(session, { ...folder, jobName: "onco-fail" }));
    expect(final).toMatchObject({ state: "FAILED", exitCode: 7, reason: "NonZeroExitCode" });
  });

  // What this single-node Slurm refuses at submission. It accepts --account=nosuch (no accounting
  // to check it against) and any --time (the partition has MaxTime=INFINITE), so those are not here.
  it.each<[string, Partial<SubmitOptions>, string[]]>([
    ["an unknown partition", { partition: "nosuch" }, ["sbatch: error: invalid partition specified: nosuch", "sbatch: error: Batch job submission failed: Invalid partition name specified"]],
    ["a GPU on a node without one", { gpus: 1 }, ["sbatch: error: Invalid generic resource (gres) specification"]],
    ["more memory than the node has", { mem: "100000G" }, ["sbatch: error: Memory specification can not be satisfied", "sbatch: error: Batch job submission failed: Requested node configuration is not available"]],
    ["a malformed time limit", { time: "soon" }, ["sbatch: error: Invalid --time specification"]],
  ])("refuses %s in Slurm's own words", async (_what, options, words) => {
    const folder = await jobFolder("#!/bin/bash\ntrue\n");
    const error = await submit(session, { ...folder, jobName: "onco-refused", ...options }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SlurmRefused);
    const message = (error as Error).message;
    expect(message).toBe(`${words.join("\n")} (sbatch job.sbatch in ${folder.workDir} on ${session.target})`);
  });

  it("cancels a running job: CANCELLED; a second cancel says it already ended; a forgotten id reads UNKNOWN", async () => {
    const folder = await jobFolder("#!/bin/bash\nsleep 60\n");
    const id = await submit(session, { ...folder, jobName: "onco-sleep" });
    const deadline = Date.now() + 20_000;
    while ((await jobState(session, id)).state !== "RUNNING") {
      if (Date.now() > deadline) throw new Error(`job ${id} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await cancel(session, id)).toEqual({ outcome: "cancelled" });
    expect((await settled(id, 15_000)).state).toBe("CANCELLED");
    expect(await cancel(session, id)).toEqual({ outcome: "already-ended", slurmSays: `scancel: error: Kill job error on job id ${id}: Job/step already completing or completed` });

    const gone = await jobState(session, "99999999");
    expect(gone.state).toBe("UNKNOWN");
    expect(gone.reason).toContain("gone from the Slurm controller");
    const refused = await cancel(session, "not-a-job").catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(SlurmRefused);
    expect((refused as Error).message).toBe(`scancel: error: Invalid job id not-a-job (scancel not-a-job on ${session.target})`);
  });
});
