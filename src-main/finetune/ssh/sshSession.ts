// One SSH connection to the cluster's login node: commands, and files over SFTP. The host key
// is checked against an OpenSSH known_hosts file before any credential is sent.
import { readFileSync } from "node:fs";
import ssh2 from "ssh2";
import type { Client as SshClient, ClientChannel, ConnectConfig, SFTPWrapper, ServerHostKeyAlgorithm } from "ssh2";
import { appendKnownHost, checkHostKey, keyTypeOf, knownHostName, knownKeyTypes, readKnownHosts, sha256Fingerprint } from "./knownHosts.ts";
import { downloadFile, readRemoteFile, remoteExists, uploadDir, uploadFile, type RemoteChunk, type UploadSummary } from "./sftpFiles.ts";
import { HostKeyMismatch, HostKeyUnknown, SshAuthFailed, SshError, SshUnreachable } from "./sshErrors.ts";

export type { RemoteChunk, UploadSummary } from "./sftpFiles.ts";

export type SshSettings = {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** Only for an encrypted private key; never logged nor put in a message. */
  passphrase?: string;
  /** An OpenSSH known_hosts file; a missing file means every host is unknown. */
  knownHostsPath: string;
  /**
   * The fingerprint ("SHA256:…") the user accepted after a HostKeyUnknown. When the host shows
   * exactly that key, the connection goes on and the key is appended to known_hosts; it never
   * overrides a mismatch.
   */
  acceptFingerprint?: string;
  /** For the TCP connection, key exchange and login together. Default 20 s. */
  timeoutMs?: number;
};

export type ExecResult = { code: number | null; signal: string | null; stdout: string; stderr: string };

export type ExecOptions = {
  stdin?: string | Buffer;
  /**
   * Fails the call when the command has not ended by then, closing its channel. The remote
   * process may run on: ssh2 cannot send a signal once stdin is closed, and stdin is always
   * closed so a command that reads it cannot hang. Default: no limit.
   */
  timeoutMs?: number;
};

/**
 * Host key algorithms in ssh2's order of preference, strongest first. ssh-rsa (SHA-1) stays
 * last for older login nodes; ssh-dss is left out, as OpenSSH did in 7.0.
 */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];

/** The algorithms whose key is of a known_hosts key type (an "ssh-rsa" key is used by the rsa-sha2-* algorithms too). */
function algorithmsForKeyType(keyType: string): ServerHostKeyAlgorithm[] {
  return HOST_KEY_ALGORITHMS.filter((algorithm) => algorithm === keyType || (keyType === "ssh-rsa" && algorithm.startsWith("rsa-sha2-")));
}

/**
 * Asks first for the kinds of key known_hosts already holds, as ssh does: otherwise a host with
 * both an RSA and an Ed25519 key, known by its RSA key, would be reported as unknown.
 */
function hostKeyPreference(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const preferred = knownTypes.flatMap(algorithmsForKeyType);
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

function readPrivateKey(settings: SshSettings): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(settings.privateKeyPath);
  } catch (error) {
    throw new SshAuthFailed(`Cannot read the private key file ${settings.privateKeyPath}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}.`);
  }
  // Parsed here, not left to connect(), so a wrong passphrase or a public key given by mistake
  // is reported by file name before anything goes over the network.
  const parsed = ssh2.utils.parseKey(key, settings.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
    throw new SshAuthFailed(
      encrypted
        ? `The private key ${settings.privateKeyPath} is protected by a passphrase, and ${settings.passphrase === undefined ? "none was given" : "the one given does not open it"}.`
        : `The file ${settings.privateKeyPath} is not a private key ssh can use (${parsed.message}).`,
    );
  }
  if (Array.isArray(parsed) ? !parsed[0]?.isPrivateKey() : !parsed.isPrivateKey()) {
    throw new SshAuthFailed(`The file ${settings.privateKeyPath} holds a public key; give the private key file (the one without .pub).`);
  }
  return key;
}

function unreachableReason(error: Error & { code?: string; level?: string }): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused (no SSH server listens on that port)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "the host name does not resolve";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "no route to the host";
    case "ETIMEDOUT":
      return "the connection timed out";
    case "ECONNRESET":
      return "the connection was reset before login";
  }
  return error.message;
}

/**
 * Connects and logs in with the key. Rejects with HostKeyUnknown, HostKeyMismatch,
 * SshAuthFailed or SshUnreachable (see sshErrors.ts), or SshError for anything else.
 */
export async function openSsh(settings: SshSettings): Promise<SshSession> {
  const { host, port, username, knownHostsPath } = settings;
  const timeoutMs = settings.timeoutMs ?? 20_000;
  const privateKey = readPrivateKey(settings);
  const name = knownHostName(host, port);
  const known = readKnownHosts(knownHostsPath);
  const client = new ssh2.Client();

  // The verdict of the host key check, kept because ssh2 reports a refused key only as
  // "Host denied (verification failed)".
  let hostKeyError: SshError | null = null;
  let keyToRemember: Buffer | null = null;
  const hostVerifier = (key: Buffer): boolean => {
    const fingerprint = sha256Fingerprint(key);
    const keyType = keyTypeOf(key);
    const verdict = checkHostKey(known, name, key);
    switch (verdict.status) {
      case "known":
        return true;
      case "mismatch":
      case "revoked":
        hostKeyError = new HostKeyMismatch(host, port, keyType, fingerprint, knownHostsPath, verdict.line.lineNumber, verdict.status === "revoked");
        return false;
      case "unknown":
        if (settings.acceptFingerprint !== undefined && settings.acceptFingerprint === fingerprint) {
          keyToRemember = key;
          return true;
        }
        hostKeyError = new HostKeyUnknown(host, port, keyType, fingerprint, verdict.knownTypes);
        return false;
    }
  };

  const config: ConnectConfig = {
    host,
    port,
    username,
    privateKey,
    passphrase: settings.passphrase,
    readyTimeout: timeoutMs,
    hostVerifier,
    algorithms: { serverHostKey: hostKeyPreference(knownKeyTypes(known, name)) },
    // No agent and no password: exactly the configured key is offered.
    tryKeyboard: false,
    keepaliveInterval: 15_000,
    keepaliveCountMax: 4,
  };

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: SshError): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once("handshake", () => {
      // After the key exchange proved the host holds the key: only then is an accepted key saved.
      if (keyToRemember) {
        try {
          appendKnownHost(knownHostsPath, name, keyToRemember);
        } catch (error) {
          fail(new SshError(`Cannot add the host key to ${knownHostsPath}: ${(error as Error).message}`, { cause: error }));
        }
        keyToRemember = null;
      }
    });
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    client.on("error", (error: Error & { level?: string; code?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      if (error.level === "client-authentication") {
        return fail(new SshAuthFailed(`The SSH server at ${host}:${port} refused user "${username}" with the key ${settings.privateKeyPath}: is its .pub line in that user's ~/.ssh/authorized_keys on the cluster?`));
      }
      if (error.level === "client-timeout") return fail(new SshUnreachable(host, port, `no SSH login within ${timeoutMs} ms`));
      if (error.level === "client-socket" || error.level === "client-dns") return fail(new SshUnreachable(host, port, unreachableReason(error)));
      fail(new SshError(`SSH connection to ${host}:${port} failed: ${error.message}`, { cause: error }));
    });
    client.once("close", () => fail(hostKeyError ?? new SshUnreachable(host, port, "the server closed the connection before login")));
    try {
      client.connect(config);
    } catch (error) {
      fail(new SshError(`SSH connection to ${host}:${port} failed: ${(error as Error).message}`, { cause: error }));
    }
  });
  return new SshSession(client, `${username}@${host}:${port}`);
}

export class SshSession {
  private sftpChannel: Promise<SFTPWrapper> | null = null;
  private lost: SshError | null = null;

  constructor(
    private readonly client: SshClient,
    /** "user@host:port", for messages. */
    readonly target: string,
  ) {
    client.on("error", (error: Error) => {
      this.lost ??= new SshError(`The SSH connection to ${target} failed: ${error.message}`, { cause: error });
    });
    client.on("close", () => {
      this.lost ??= new SshError(`The SSH connection to ${target} was closed.`);
    });
  }

  /**
   * Runs a command through the account's login shell; a non-zero exit is returned, not thrown
   * (the caller knows which codes mean what). Rejects only when the command could not run or
   * the connection dropped.
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      this.client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
        if (error) return reject(new SshError(`Cannot run a command on ${this.target}: ${error.message}`, { cause: error }));
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let code: number | null = null;
        let signal: string | null = null;
        let timer: NodeJS.Timeout | undefined;
        let timedOut = false;
        if (options.timeoutMs !== undefined) {
          timer = setTimeout(() => {
            timedOut = true;
            channel.close();
            reject(new SshError(`A command on ${this.target} did not finish within ${options.timeoutMs} ms; its channel was closed.`));
          }, options.timeoutMs);
        }
        channel.on("data", (chunk: Buffer) => stdout.push(chunk));
        channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
        channel.on("exit", (exitCode: number | null, exitSignal?: string) => {
          code = exitCode;
          signal = exitSignal ?? null;
        });
        channel.on("close", () => {
          clearTimeout(timer);
          if (timedOut) return;
          // Neither an exit code nor a signal: the channel went with the connection.
          if (code === null && signal === null && this.lost) return reject(this.lost);
          resolve({ code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
        });
        // Without end, a command that reads its input would wait for it forever.
        channel.end(options.stdin);
      });
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      this.client.sftp((error, sftp) => (error ? reject(new SshError(`Cannot start SFTP on ${this.target}: ${error.message}`, { cause: error })) : resolve(sftp)));
    }).catch((error: unknown) => {
      this.sftpChannel = null;
      throw error;
    });
    return this.sftpChannel;
  }

  /** Copies a local folder's tree into remoteDir (made if missing); each file appears only once complete. */
  async uploadDir(localDir: string, remoteDir: string): Promise<UploadSummary> {
    return uploadDir(await this.sftp(), localDir, remoteDir);
  }

  /** Makes the remote folder if missing; the file appears only once complete. */
  async uploadFile(localFile: string, remoteFile: string): Promise<void> {
    await uploadFile(await this.sftp(), localFile, remoteFile);
  }

  /** Makes the local folder if missing; the local file appears only once complete. */
  async downloadFile(remoteFile: string, localFile: string): Promise<void> {
    await downloadFile(await this.sftp(), remoteFile, localFile);
  }

  /** What was written since `offset` (see RemoteChunk), for following a growing log. */
  async readFile(remoteFile: string, options: { offset?: number; maxBytes?: number } = {}): Promise<RemoteChunk> {
    return readRemoteFile(await this.sftp(), remoteFile, options);
  }

  async exists(remotePath: string): Promise<boolean> {
    return remoteExists(await this.sftp(), remotePath);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.lost) return resolve();
      this.client.once("close", () => resolve());
      this.client.end();
    });
  }
}
