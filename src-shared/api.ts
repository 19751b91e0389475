/** The API contract, from its slices in ./api/ (this path is where the processes import it from). */
export * from "./api/index.ts";
