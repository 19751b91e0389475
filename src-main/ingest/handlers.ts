import { ApiFailure, type Handlers, type ingestApi } from "../../src-shared/api.ts";
import type { ServiceContext } from "../serviceContext.ts";
import { pageLetters } from "../store/letterPage.ts";
import { getLetter, sourceLabel } from "../store/letters.ts";
import { importWithReport } from "./importReport.ts";
import { saveUploads } from "./uploads.ts";

export function ingestHandlers({ db, dataDir }: ServiceContext): Handlers<typeof ingestApi> {
  return {
    "letters.list": (input) => pageLetters(db, input),
    "letters.get": ({ id }) => {
      const letter = getLetter(db, id);
      if (!letter) throw new ApiFailure("not-found", `no letter ${id}`);
      return { id, patient: letter.patient, letterDate: letter.letter_date, source: sourceLabel(letter.source_path, letter.source_row), text: letter.text };
    },
    "letters.import": ({ paths }) => importWithReport(db, paths),
    "letters.upload": ({ files }) => {
      const saved = saveUploads(dataDir, files);
      return importWithReport(db, saved.paths, saved.folder);
    },
  };
}
