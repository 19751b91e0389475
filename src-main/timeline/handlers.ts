import { ApiFailure, type Handlers, type timelineApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { letterTimeline } from "../export/json/jsonExport.ts";
import { prepareLetter } from "../export/json/prune.ts";
import { extractedLetters, resolveExportModel } from "../export/source.ts";
import { requireModel } from "../models/requireModel.ts";
import { listPatients, patientExists } from "../store/patients.ts";
import { mergePatientTimeline } from "./index.ts";
import { applyReviewEdit, reviewView, setReviewState } from "./review.ts";

export function timelineHandlers(context: ServiceContext): Handlers<typeof timelineApi> {
  const { db } = context;
  return {
    "patients.list": ({ modelId }) => listPatients(db, modelId ?? resolveExportModel(db, undefined)?.id ?? null),
    "patients.timeline": ({ patient, modelId }) => {
      const chosen = modelId === undefined ? resolveExportModel(db, undefined) : requireModel(db, modelId);
      const letters = [];
      for (const item of extractedLetters(db, chosen, { patient })) {
        const timeline = letterTimeline(prepareLetter(item, false));
        if (timeline) letters.push(timeline);
      }
      if (letters.length === 0 && !patientExists(db, patient)) throw new ApiFailure("not-found", `no patient ${patient}`);
      return mergePatientTimeline(patient, letters);
    },

    "review.get": ({ letterId, modelId }) => reviewView(db, letterId, modelId),
    "review.edit": ({ extractionId, edit }) => applyReviewEdit(db, extractionId, edit, context.reviewer()),
    "review.setState": ({ extractionId, state }) => setReviewState(db, extractionId, state),
  };
}
