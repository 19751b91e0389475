// The host key check of an OpenSSH known_hosts file, as `ssh` does it with StrictHostKeyChecking:
// plain and hashed (`|1|salt|hash`, OpenSSH's default on Debian) host fields, `[host]:port` for
// ports other than 22, comma lists with `*`/`?` wildcards and `!` negation, and @revoked keys.
// @cert-authority lines are skipped: host certificates are not accepted here.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type KnownHostLine = {
  /** 1-based, for messages that name the line to remove. */
  lineNumber: number;
  marker: "revoked" | "cert-authority" | null;
  hosts: string;
  keyType: string;
  key: Buffer;
};

export type HostKeyCheck =
  | { status: "known" }
  | { status: "unknown"; knownTypes: string[] }
  | { status: "mismatch"; line: KnownHostLine }
  | { status: "revoked"; line: KnownHostLine };

/** How known_hosts names a host: the bare name on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's form, as `ssh-keygen -lf` and the "authenticity of host" prompt print it. */
export function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** The algorithm name a public key blob starts with (e.g. "ssh-ed25519"). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const length = key.readUInt32BE(0);
  return length > 0 && 4 + length <= key.length ? key.subarray(4, 4 + length).toString("latin1") : "unknown";
}

/** A missing file reads as empty: every host is then unknown. Malformed lines are skipped, as ssh does. */
export function readKnownHosts(file: string): KnownHostLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const lines: KnownHostLine[] = [];
  text.split("\n").forEach((raw, index) => {
    const parsed = parseLine(raw, index + 1);
    if (parsed) lines.push(parsed);
  });
  return lines;
}

function parseLine(raw: string, lineNumber: number): KnownHostLine | null {
  const fields = raw.trim().split(/\s+/);
  if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return null;
  let marker: KnownHostLine["marker"] = null;
  if (fields[0].startsWith("@")) {
    if (fields[0] === "@revoked") marker = "revoked";
    else if (fields[0] === "@cert-authority") marker = "cert-authority";
    else return null;
    fields.shift();
  }
  const [hosts, keyType, keyBase64] = fields;
  if (hosts === undefined || keyType === undefined || keyBase64 === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return null;
  return { lineNumber, marker, hosts, keyType, key: Buffer.from(keyBase64, "base64") };
}

/** Whether the line's host field names `name` (already in known_hosts form, see knownHostName). */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith("|1|")) return hashedHostMatches(hosts, name);
  const lowered = name.toLowerCase();
  let matched = false;
  for (const pattern of hosts.split(",")) {
    const negated = pattern.startsWith("!");
    const glob = negated ? pattern.slice(1) : pattern;
    if (!globMatches(glob.toLowerCase(), lowered)) continue;
    // A matching negation rules the line out whatever else matches, as in OpenSSH's match_hostname.
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function hashedHostMatches(field: string, name: string): boolean {
  const [, , saltBase64, hashBase64] = field.split("|");
  if (saltBase64 === undefined || hashBase64 === undefined) return false;
  const expected = Buffer.from(hashBase64, "base64");
  const actual = createHmac("sha1", Buffer.from(saltBase64, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function globMatches(glob: string, text: string): boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(text);
}

/**
 * The verdict for the key a host offered. A different key of the same type is a mismatch (the
 * "REMOTE HOST IDENTIFICATION HAS CHANGED" case); keys of other types only are reported with the
 * unknown verdict, so a caller can say the host used to show another kind of key.
 */
export function checkHostKey(lines: readonly KnownHostLine[], name: string, key: Buffer): HostKeyCheck {
  const keyType = keyTypeOf(key);
  const forHost = lines.filter((line) => hostsFieldMatches(line.hosts, name));
  const revoked = forHost.find((line) => line.marker === "revoked" && line.key.equals(key));
  if (revoked) return { status: "revoked", line: revoked };
  const plain = forHost.filter((line) => line.marker === null);
  if (plain.some((line) => line.key.equals(key))) return { status: "known" };
  const changed = plain.find((line) => line.keyType === keyType);
  if (changed) return { status: "mismatch", line: changed };
  return { status: "unknown", knownTypes: [...new Set(plain.map((line) => line.keyType))] };
}

/** The key types known_hosts holds for this host, so the connection can ask for those first (as ssh does). */
export function knownKeyTypes(lines: readonly KnownHostLine[], name: string): string[] {
  return [...new Set(lines.filter((line) => line.marker === null && hostsFieldMatches(line.hosts, name)).map((line) => line.keyType))];
}

/** Appends the accepted key in plain (unhashed) form, so a person can read which host it is for. */
export function appendKnownHost(file: string, name: string, key: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let existing = "";
  try {
    existing = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const separator = existing === "" || existing.endsWith("\n") ? "" : "\n";
  appendFileSync(file, `${separator}${name} ${keyTypeOf(key)} ${key.toString("base64")}\n`, { mode: 0o644 });
}
