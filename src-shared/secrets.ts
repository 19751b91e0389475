// One list of the secrets and their environment variables for the app, the CLI and `serve`; kept
// apart from the API contract (zod) so that the CLI's start-up can name a variable without loading it.

/**
 * Names of the secrets the app keeps (API keys for the cloud parts, and the Hugging Face token that
 * gated base models need to download; real letters never go there).
 */
export const SECRET_NAMES = ["anthropic-api-key", "openpipe-api-key", "together-api-key", "inference-server-api-key", "huggingface-token"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
/**
 * Each secret's environment variable: where the CLI and `serve` take it from, and the desktop
 * app when it has none stored. Never a command-line flag (flags show in `ps`).
 */
export const SECRET_ENV = {
  "anthropic-api-key": "ANTHROPIC_API_KEY",
  "openpipe-api-key": "OPENPIPE_API_KEY",
  "together-api-key": "TOGETHER_API_KEY",
  "inference-server-api-key": "ONCOTIMELINE_SERVER_API_KEY",
  "huggingface-token": "HF_TOKEN",
} as const satisfies Record<SecretName, string>;
