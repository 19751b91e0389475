import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file or folder the packaging step put beside the bundled main process (`dist/<name>`), or
 * null when running from the sources (there the resource is made on demand instead). Inside a
 * packaged app it lies in the unpacked copy of the asar archive, where other programs (Python on
 * the cluster side, git) can read it too.
 */
export function packagedResource(name: string): string | null {
  // Bundled, this module is dist/electron/main.mjs; from the sources it is src-main/base/, where no such folder exists.
  const here = dirname(fileURLToPath(import.meta.url)).replace(/app\.asar(?=[\\/]|$)/, "app.asar.unpacked");
  const candidate = join(here, "..", name);
  return existsSync(candidate) ? candidate : null;
}
