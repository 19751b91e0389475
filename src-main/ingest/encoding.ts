import { detect } from "chardet";
import iconv from "iconv-lite";

export type TextEncodingName = "utf-8" | "utf-16le" | "utf-16be" | "windows-1252";

export type DecodeResult = { ok: true; text: string; encoding: TextEncodingName } | { ok: false; reason: string };

const REJECTED = "not valid UTF-8/16 or Windows-1252 text";

// Bytes with no character in Windows-1252; iconv-lite turns them into U+FFFD.
const UNDEFINED_1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

/**
 * Decodes text of unknown encoding, detecting rather than assuming: a BOM decides (UTF-8, UTF-16
 * LE/BE); else BOM-less UTF-16 by its zero-byte pattern; else strict UTF-8; else UTF-8 with a few
 * damaged bytes; else Windows-1252, the usual legacy encoding of UK Windows exports. Binary data and other legacy encodings are
 * refused with a reason, because decoding them anyway would store mojibake as a letter.
 * A leading BOM is not part of the text; nothing else is changed.
 */
export function decodeText(bytes: Uint8Array): DecodeResult {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) {
    return strict(bytes.subarray(3), "utf-8", "starts with a UTF-8 byte-order mark but is not valid UTF-8");
  }
  if (startsWith(bytes, [0xff, 0xfe])) {
    return strict(bytes.subarray(2), "utf-16le", "starts with a UTF-16 LE byte-order mark but is not valid UTF-16");
  }
  if (startsWith(bytes, [0xfe, 0xff])) {
    return strict(bytes.subarray(2), "utf-16be", "starts with a UTF-16 BE byte-order mark but is not valid UTF-16");
  }
  const utf16 = bomlessUtf16(bytes);
  if (utf16) return strict(bytes, utf16, `looks like UTF-16 without a byte-order mark but is not valid ${utf16}`);

  if (bytes.includes(0)) return { ok: false, reason: `${REJECTED}: looks binary (NUL bytes)` };
  const controls = countControlBytes(bytes);
  if (controls > Math.max(8, bytes.length / 100)) {
    return { ok: false, reason: `${REJECTED}: looks binary (${controls} control characters)` };
  }

  const utf8 = tryDecode(bytes, "utf-8");
  if (utf8 !== null) return { ok: true, text: utf8, encoding: "utf-8" };
  // UTF-8 with a few damaged bytes (a cut copy, a bad export) would turn every £ into Â£ as
  // Windows-1252; keep it UTF-8 and let the damage show as U+FFFD, like the "?" artefacts letters already carry.
  const { sequences, invalid } = utf8Stats(bytes);
  if (sequences > invalid) {
    return { ok: true, text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), encoding: "utf-8" };
  }

  let high = 0;
  let undefinedBytes = 0;
  for (const b of bytes) {
    if (b >= 0x80) high++;
    if (UNDEFINED_1252.has(b)) undefinedBytes++;
  }
  // English letters in Windows-1252 are overwhelmingly ASCII (a £, an é, a dash). Mostly-high
  // bytes or bytes 1252 leaves undefined point to another legacy encoding (Cyrillic, CJK ...).
  if (undefinedBytes > 0 || high > bytes.length * 0.3) {
    const guess = detect(bytes);
    const hint = guess && !/^(UTF-8|ISO-8859-1|windows-1252)$/i.test(guess) ? ` (perhaps ${guess}; save it as UTF-8)` : "";
    const why = undefinedBytes > 0 ? `${undefinedBytes} bytes undefined in Windows-1252` : `${Math.round((high / bytes.length) * 100)}% of bytes are non-ASCII`;
    return { ok: false, reason: `${REJECTED}: ${why}${hint}` };
  }
  return { ok: true, text: iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), "windows-1252"), encoding: "windows-1252" };
}

function strict(bytes: Uint8Array, encoding: "utf-8" | "utf-16le" | "utf-16be", failure: string): DecodeResult {
  const text = tryDecode(bytes, encoding);
  if (text === null) return { ok: false, reason: `${REJECTED}: ${failure}` };
  if (text.includes("\0")) return { ok: false, reason: `${REJECTED}: decodes as ${encoding} but looks binary (NUL characters)` };
  let controls = 0;
  for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) controls++;
  if (controls > Math.max(8, text.length / 100)) {
    return { ok: false, reason: `${REJECTED}: decodes as ${encoding} but looks binary (${controls} control characters)` };
  }
  return { ok: true, text, encoding };
}

function tryDecode(bytes: Uint8Array, encoding: string): string | null {
  try {
    // ignoreBOM: true keeps the decoder from eating a BOM: decodeText strips exactly one itself.
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Well-formed multi-byte UTF-8 sequences, and bytes that fit no sequence. */
function utf8Stats(bytes: Uint8Array): { sequences: number; invalid: number } {
  let sequences = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 1) {
      i++;
      continue;
    }
    let ok = length > 0;
    for (let k = 1; ok && k < length; k++) ok = ((bytes[i + k] ?? 0) & 0xc0) === 0x80;
    if (ok) {
      sequences++;
      i += length;
    } else {
      invalid++;
      i++;
    }
  }
  return { sequences, invalid };
}

/** UTF-16 without a BOM: ASCII-heavy text then has a zero in every other byte. */
function bomlessUtf16(bytes: Uint8Array): "utf-16le" | "utf-16be" | null {
  const sample = bytes.subarray(0, 4096 - (Math.min(bytes.length, 4096) % 2));
  const pairs = sample.length / 2;
  if (pairs < 2) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample.length; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  if (oddZeros >= pairs * 0.7 && evenZeros <= pairs * 0.1) return "utf-16le";
  if (evenZeros >= pairs * 0.7 && oddZeros <= pairs * 0.1) return "utf-16be";
  return null;
}

/** C0 controls other than tab, line feed, vertical tab, form feed, carriage return and DOS end-of-file (0x1A). */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0b && code !== 0x0c && code !== 0x0d && code !== 0x1a) || code === 0x7f;
}

function countControlBytes(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (isControl(b)) n++;
  return n;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}
