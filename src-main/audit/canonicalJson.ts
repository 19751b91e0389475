/**
 * JSON with one spelling per value, so that a hash over it is reproducible: object keys sorted
 * (by UTF-16 code unit, as Array.prototype.sort does), no whitespace, JSON.stringify's escaping for
 * strings and numbers. Like JSON.stringify, `toJSON` is honoured (a Date becomes its ISO string)
 * and object properties that are undefined are left out; unlike it, values JSON cannot represent
 * faithfully (NaN, Infinity, bigint, functions, symbols, undefined inside arrays) are refused
 * rather than silently turned into null or dropped.
 */
export function canonicalJson(value: unknown): string {
  return write(value, "$");
}

function write(value: unknown, at: string): string {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return write((value as { toJSON: () => unknown }).toJSON(), at);
  }
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`${at} is ${value}, which JSON cannot represent`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => write(item, `${at}[${index}]`)).join(",")}]`;
  }
  if (typeof value === "object") {
    const parts: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(item, `${at}.${key}`)}`);
    }
    return `{${parts.join(",")}}`;
  }
  throw new TypeError(`${at} is a ${typeof value}, which JSON cannot represent`);
}
