// Preloaded (NODE_OPTIONS=--import) into the CLI: every module URL it resolves is appended to
// $MODULE_LOG, one a line. A resolve hook sees every ESM import (static and dynamic) whichever
// loader (tsx) handles it, so a test can tell which packages a command really loaded.
import { register } from "node:module";

const hook = `
import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (process.env.MODULE_LOG) appendFileSync(process.env.MODULE_LOG, resolved.url + "\\n");
  return resolved;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
