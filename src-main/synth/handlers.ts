import type { Handlers, synthApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { SynthService } from "./service.ts";

export function createSynthService({ db, runs, log, secret }: ServiceContext): SynthService {
  return new SynthService({ db, runs, apiKey: () => secret("anthropic-api-key"), log });
}

export function synthHandlers(synth: SynthService, context: ServiceContext): Handlers<typeof synthApi> {
  return {
    "synth.sampleGrid": ({ n, seed }) => synth.sample(n, seed),
    "synth.generate": (input) => synth.start(input),
    "synth.stop": () => synth.stop(),
    "synth.status": () => synth.status(),
    "synth.letters": (input) => synth.letters(input),
    "synth.decide": ({ id, status }) => synth.decide(id, status, context.reviewer()),
  };
}
