// What can go wrong reaching the cluster, each with a message a person can act on. None of them
// carries a passphrase, key contents or the text of a command (which may hold exported values).

/** Any failure of the SSH transport; the subclasses below are the ones the UI tells apart. */
export class SshError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SshError";
  }
}

/** The host's key is not in known_hosts: show the fingerprint, and pass it back as acceptFingerprint once the user agrees. */
export class HostKeyUnknown extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly keyType: string,
    /** "SHA256:…" as OpenSSH prints it. */
    readonly fingerprint: string,
    /** Types of key known_hosts holds for this host, when it holds only other ones. */
    readonly knownTypes: string[],
  ) {
    const other = knownTypes.length > 0 ? ` known_hosts holds only a ${knownTypes.join(", ")} key for it, so the host now shows a different kind of key.` : "";
    super(`The authenticity of host ${host}:${port} can't be established: its ${keyType} key fingerprint is ${fingerprint}.${other} Check it with the cluster's administrators before accepting it.`);
    this.name = "HostKeyUnknown";
  }
}

/** The host shows a different key than known_hosts holds: never connected past this. */
export class HostKeyMismatch extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly knownHostsPath: string,
    readonly lineNumber: number,
    readonly revoked = false,
  ) {
    super(
      revoked
        ? `The ${keyType} host key of ${host}:${port} (${fingerprint}) is marked @revoked in ${knownHostsPath}:${lineNumber}; not connecting.`
        : `The host key of ${host}:${port} has changed: it now shows ${keyType} ${fingerprint}, which differs from the key in ${knownHostsPath}:${lineNumber}. ` +
            "Someone could be intercepting the connection, or the host was reinstalled; ask the cluster's administrators, and only then remove that line.",
    );
    this.name = "HostKeyMismatch";
  }
}

/** The server refused the key (or the key file could not be used). */
export class SshAuthFailed extends SshError {
  constructor(message: string) {
    super(message);
    this.name = "SshAuthFailed";
  }
}

/** No SSH server answered in time at host:port (refused, unresolvable, no route, timeout). */
export class SshUnreachable extends SshError {
  constructor(
    readonly host: string,
    readonly port: number,
    reason: string,
  ) {
    super(`Cannot reach the SSH server at ${host}:${port}: ${reason}.`);
    this.name = "SshUnreachable";
  }
}
