import { SECRET_ENV, SECRET_NAMES, type SecretName, type SecretStore, type SecretsStatus } from "../../src-shared/api.ts";

export const NO_SECRET_STORE = "this build keeps no API keys (only the desktop app stores them, encrypted by the operating system): set them in the environment of `oncotimeline serve` instead";

/** The desktop app's stored key wins; a store that cannot be read is logged and the environment used. */
export function secretReader(store: SecretStore | undefined, log: (error: unknown) => void): (name: SecretName) => string | null {
  return (name) => {
    try {
      const stored = store?.get(name);
      if (stored) return stored;
    } catch (error) {
      log(error);
    }
    return secretFromEnvironment(name);
  };
}

/** The CLI's and `serve`'s only source of keys (they have no store). */
export function secretFromEnvironment(name: SecretName): string | null {
  return process.env[SECRET_ENV[name]] || null;
}

export function secretsStatus(store: SecretStore | undefined): SecretsStatus {
  let message: string | null = store ? null : NO_SECRET_STORE;
  const secrets = SECRET_NAMES.map((name) => {
    let stored = false;
    try {
      stored = store?.has(name) ?? false;
    } catch (error) {
      message = (error as Error).message;
    }
    return { name, stored, fromEnvironment: Boolean(process.env[SECRET_ENV[name]]) };
  });
  return { canStore: store !== undefined && message === null, message, secrets };
}
