/** Patient timeline: merge every letter of one patient into one ordered, de-duplicated timeline (pure). */
export { DEFAULT_SIMILARITY, mergePatientTimeline } from "./merge.ts";
export type * from "../../src-shared/patientTimeline.ts";
