import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServices, type ServicesOptions } from "../api/services.ts";
import { startHost, type RunningHost } from "./server.ts";

/** Where `npm run build:renderer` puts the user interface. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL("../../dist/renderer", import.meta.url));

export type AppHostOptions = ServicesOptions & { port?: number; staticDir?: string; token?: string };

/** The services of one data folder behind the loopback host: `oncotimeline serve` and the e2e tests. */
export async function startAppHost(options: AppHostOptions): Promise<RunningHost & { services: ReturnType<typeof createServices> }> {
  const services = createServices(options);
  const staticDir = options.staticDir ?? (existsSync(DEFAULT_RENDERER_DIR) ? DEFAULT_RENDERER_DIR : undefined);
  try {
    const host = await startHost({
      handlers: services.handlers,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(staticDir === undefined ? {} : { staticDir }),
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.log ? { log: options.log } : {}),
    });
    return {
      ...host,
      services,
      close: async () => {
        await host.close();
        await services.close();
      },
    };
  } catch (error) {
    await services.close();
    throw error;
  }
}
