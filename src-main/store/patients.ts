import { prepared, type Db } from "./db.ts";

export type PatientCount = { id: string; letters: number; extracted: number };

/** Every patient with their letters, and how many of those the model extracted without failure. */
export function listPatients(db: Db, modelId: number | null): PatientCount[] {
  return prepared(
    db,
    `SELECT p.external_id AS id, count(l.id) AS letters, count(e.id) AS extracted FROM patients p JOIN letters l ON l.patient_id = p.id
     LEFT JOIN extractions e ON e.letter_id = l.id AND e.model_id = ? AND e.status = 'ok' GROUP BY p.id ORDER BY p.external_id`,
  ).all(modelId) as PatientCount[];
}

export function patientExists(db: Db, externalId: string): boolean {
  return prepared(db, "SELECT 1 FROM patients WHERE external_id = ?").get(externalId) !== undefined;
}
