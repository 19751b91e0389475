/** A gold or prediction file (or folder) that cannot be scored, with every problem named: the CLI's exit 2, the API's invalid-input. */
export class ScoringInputError extends Error {}
