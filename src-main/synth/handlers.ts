import type { Handlers, synthApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { Studio } from "./studio.ts";

export function createStudio({ db, log, secret }: ServiceContext): Studio {
  return new Studio({ db, apiKey: () => secret("anthropic-api-key"), log });
}

export function synthHandlers(studio: Studio, context: ServiceContext): Handlers<typeof synthApi> {
  return {
    "studio.sampleGrid": ({ n, seed }) => studio.sample(n, seed),
    "studio.generate": (input) => studio.start(input),
    "studio.stop": () => studio.stop(),
    "studio.status": () => studio.status(),
    "studio.letters": (input) => studio.letters(input),
    "studio.decide": ({ id, status }) => studio.decide(id, status, context.reviewer()),
  };
}
