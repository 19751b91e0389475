// The base model a newcomer gets without choosing: named here, apart from the API contract (zod),
// because the CLI (`models get`), the main side and the Models screen all show it.

/** The instruct model the fine-tunes start from; its licence is shown before anything is downloaded. */
export const DEFAULT_BASE_MODEL = {
  uri: "hf:bartowski/Meta-Llama-3.1-8B-Instruct-GGUF/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
  label: "Llama 3.1 8B Instruct, Q4_K_M",
  licence: "Llama 3.1 Community License (https://www.llama.com/llama3_1/license/); Meta's acceptable use policy applies",
  approxBytes: 4_920_734_016,
} as const;
