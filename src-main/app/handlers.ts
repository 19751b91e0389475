import { readFileSync } from "node:fs";
import { ApiFailure, type appApi, type DemoSetup, type Handlers } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { appendAudit } from "../audit/auditLog.ts";
import { countLetters } from "../store/letters.ts";
import { NO_SECRET_STORE, secretsStatus } from "./secrets.ts";
import { tryDemo } from "./tryDemo.ts";

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function appHandlers(context: ServiceContext): Handlers<typeof appApi> {
  const { db, secretStore } = context;
  // A second click while the first is still working waits for it rather than racing it.
  let settingUpDemo: Promise<DemoSetup> | undefined;
  return {
    "app.info": () => ({ version: PACKAGE_VERSION, dataDir: context.dataDir, letters: countLetters(db), user: context.reviewer() }),
    "app.tryDemo": () =>
      (settingUpDemo ??= tryDemo(context).finally(() => {
        settingUpDemo = undefined;
      })),

    "secrets.status": () => secretsStatus(secretStore),
    "secrets.set": ({ name, value }) => {
      if (!secretStore) throw new ApiFailure("conflict", NO_SECRET_STORE);
      try {
        secretStore.set(name, value);
      } catch (error) {
        throw new ApiFailure("failed", (error as Error).message);
      }
      appendAudit(db, { action: "secret-set", subject: name });
      return secretsStatus(secretStore);
    },
    "secrets.delete": ({ name }) => {
      if (!secretStore) throw new ApiFailure("conflict", NO_SECRET_STORE);
      secretStore.delete(name);
      appendAudit(db, { action: "secret-deleted", subject: name });
      return secretsStatus(secretStore);
    },
  };
}
