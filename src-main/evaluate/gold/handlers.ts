import type { Handlers } from "../../../src-shared/api.ts";
import type { goldSetsApi } from "../../../src-shared/api/goldSets.ts";
import type { ServiceContext } from "../../serviceContext.ts";
import { refusingBadInput } from "../handlers.ts";
import { requireModel } from "../../models/requireModel.ts";
import { createGoldSet, goldSetDetail, goldSetPredictions, goldSetSummaries } from "./goldSets.ts";

/** The Evaluation screen's gold sets: listed with their leakage, made from any source, shown item by item. */
export function goldSetsHandlers(context: ServiceContext): Handlers<typeof goldSetsApi> {
  const { db, dataDir } = context;
  return {
    "goldSets.list": () => goldSetSummaries(db),
    "goldSets.create": ({ name, source }) => refusingBadInput(() => createGoldSet(db, dataDir, name, source)),
    "goldSets.show": ({ name }) => refusingBadInput(() => goldSetDetail(db, name)),
    "goldSets.predictions": ({ name, modelId }) => {
      const model = requireModel(db, modelId);
      return refusingBadInput(() => goldSetPredictions(db, name, model));
    },
  };
}
