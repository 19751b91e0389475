/**
 * Paths into a timeline document, in the form evidence uses
 * (`primary_cancer.cancer_timeline[2].value`), and the edits a reviewer makes at them. Shared so
 * the review screen computes an edit's inverse (for undo) exactly as the main side applies it.
 */
import type { ReviewEdit } from "./api.ts";
import { formatPath } from "./timeline.ts";

export type PathSegment = string | number;

export class DocumentPathError extends Error {}

const SEGMENT = /([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/y;

export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let at = 0;
  while (at < path.length) {
    if (segments.length > 0 && path[at] === ".") at++;
    SEGMENT.lastIndex = at;
    const match = SEGMENT.exec(path);
    if (!match) throw new DocumentPathError(`not a document path: "${path}"`);
    segments.push(match[1] ?? Number(match[2]));
    at = SEGMENT.lastIndex;
  }
  if (segments.length === 0 || typeof segments[0] !== "string") throw new DocumentPathError(`not a document path: "${path}"`);
  return segments;
}

export function getAtPath(document: unknown, path: string): unknown {
  let node: unknown = document;
  for (const segment of parsePath(path)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  return node;
}

/** A copy of the document with the edit applied; the original is left as it was. */
export function applyDocumentEdit<T>(document: T, edit: ReviewEdit): T {
  if (edit.op === "accept" || edit.op === "unaccept") return document;
  const copy = structuredClone(document);
  const segments = parsePath(edit.path);
  const last = segments.at(-1) as PathSegment;
  let container: unknown = copy;
  for (const segment of segments.slice(0, -1)) {
    container = container !== null && typeof container === "object" ? (container as Record<PathSegment, unknown>)[segment] : undefined;
  }
  if (container === null || typeof container !== "object") throw new DocumentPathError(`${edit.path}: there is nothing at ${formatPath(segments.slice(0, -1))}`);
  if (Array.isArray(container)) {
    if (typeof last !== "number") throw new DocumentPathError(`${edit.path}: a list item needs an index`);
    const limit = edit.op === "insert" ? container.length : container.length - 1;
    if (last > limit) throw new DocumentPathError(`${edit.path}: the list has ${container.length} item(s)`);
    if (edit.op === "remove") container.splice(last, 1);
    else if (edit.op === "insert") container.splice(last, 0, edit.value);
    else container[last] = edit.value;
    return copy;
  }
  if (typeof last !== "string") throw new DocumentPathError(`${edit.path}: not a list`);
  if (edit.op === "insert") throw new DocumentPathError(`${edit.path}: insert adds list items; use set for a field`);
  const record = container as Record<string, unknown>;
  if (edit.op === "remove") delete record[last];
  else record[last] = edit.value;
  return copy;
}

/** The edit that takes `edit` back, given the document it was applied to. */
export function inverseEdit(before: unknown, edit: ReviewEdit): ReviewEdit {
  switch (edit.op) {
    case "accept":
      return { op: "unaccept", path: edit.path };
    case "unaccept":
      return { op: "accept", path: edit.path };
    case "insert":
      return { op: "remove", path: edit.path };
    case "remove": {
      const old = getAtPath(before, edit.path);
      const segments = parsePath(edit.path);
      return typeof segments.at(-1) === "number" ? { op: "insert", path: edit.path, value: old } : { op: "set", path: edit.path, value: old };
    }
    case "set": {
      const old = getAtPath(before, edit.path);
      return old === undefined ? { op: "remove", path: edit.path } : { op: "set", path: edit.path, value: old };
    }
  }
}

/**
 * Accepted paths after a list item was inserted or removed at `path`: items after it move by
 * one, and whatever was accepted inside a removed item goes with it.
 */
export function shiftAcceptedPaths(accepted: readonly string[], edit: ReviewEdit): string[] {
  if (edit.op !== "insert" && edit.op !== "remove") return [...accepted];
  const segments = parsePath(edit.path);
  const index = segments.at(-1);
  if (typeof index !== "number") return edit.op === "remove" ? accepted.filter((path) => path !== edit.path && !path.startsWith(`${edit.path}.`)) : [...accepted];
  const list = formatPath(segments.slice(0, -1));
  const out: string[] = [];
  for (const path of accepted) {
    const match = path.startsWith(`${list}[`) ? /^\[(\d+)\](.*)$/.exec(path.slice(list.length)) : null;
    if (!match) {
      out.push(path);
      continue;
    }
    const item = Number(match[1]);
    if (item < index) out.push(path);
    else if (edit.op === "insert") out.push(`${list}[${item + 1}]${match[2]}`);
    else if (item > index) out.push(`${list}[${item - 1}]${match[2]}`);
  }
  return out;
}
