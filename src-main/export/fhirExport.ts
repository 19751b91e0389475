import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Db } from "../store/db.ts";
import { appendAudit } from "../audit/auditLog.ts";
import { writeFileAtomically } from "../base/atomicFile.ts";
import { buildPatientBundle } from "./fhir/bundle.ts";
import { fhirInputsFromExtracted, type FhirInputs } from "./fhir/fromStore.ts";
import { extractedLetters, resolveExportModel } from "./source.ts";
import { modelProvenance } from "../store/models.ts";

export type FhirExportOptions = { out: string; patient?: string; model?: string; excludeUngrounded?: boolean };
export type FhirExportResult = { folder: string; bundles: number; resources: number; skipped: FhirInputs["skipped"]; model: string | null };

/** One FHIR R4 mCODE collection Bundle per patient, `<folder>/<patient>.json`. */
export function exportFhir(db: Db, options: FhirExportOptions): FhirExportResult {
  const model = resolveExportModel(db, options.model);
  const folder = path.resolve(options.out);
  mkdirSync(folder, { recursive: true });
  const { patients, skipped } = fhirInputsFromExtracted(extractedLetters(db, model, { patient: options.patient }));
  let resources = 0;
  for (const patient of patients) {
    const bundle = buildPatientBundle(patient, { excludeUngrounded: options.excludeUngrounded ?? false });
    resources += bundle.entry?.length ?? 0;
    writeFileAtomically(path.join(folder, `${safeFileName(patient.patient)}.json`), (write) => write(JSON.stringify(bundle, null, 2)));
  }
  appendAudit(db, {
    action: "export",
    subject: `export fhir ${folder}`,
    details: { format: "fhir", bundles: patients.length, resources, skipped: skipped.length, model: model?.name ?? null, modelProvenance: modelProvenance(model), patient: options.patient ?? null },
  });
  return { folder, bundles: patients.length, resources, skipped, model: model?.name ?? null };
}

/** Patient ids come from file names and columns: keep them from escaping the folder. */
function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
}
