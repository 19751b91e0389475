import { ApiFailure } from "../../src-shared/api.ts";
import type { Db } from "../store/db.ts";
import { getModelById, type ModelRow } from "../store/models.ts";

/** The registered model a call names, or the call fails as not found. */
export function requireModel(db: Db, id: number): ModelRow {
  const found = getModelById(db, id);
  if (!found) throw new ApiFailure("not-found", `no model ${id}`);
  return found;
}
