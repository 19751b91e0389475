/**
 * A hosted provider's client from its name, its key and where it lives. The base URL is the
 * public API unless OPENPIPE_BASE_URL / TOGETHER_BASE_URL says otherwise (a proxy, or a loopback
 * stand-in in tests), as ANTHROPIC_BASE_URL does for the studio.
 */
import { SECRET_ENV, type SecretName } from "../../../src-shared/secrets.ts";
import { openPipeClient } from "./openpipe.ts";
import { ProviderError, type HostedProvider, type HostedProviderName } from "./provider.ts";
import { togetherClient } from "./together.ts";

export const PROVIDER_SECRET: Record<HostedProviderName, SecretName> = { openpipe: "openpipe-api-key", together: "together-api-key" };
export const PROVIDER_LABEL: Record<HostedProviderName, string> = { openpipe: "OpenPipe", together: "Together" };
const BASE_URL_ENV: Record<HostedProviderName, string> = { openpipe: "OPENPIPE_BASE_URL", together: "TOGETHER_BASE_URL" };

export type ProviderAccess = { apiKey: string | null; keyWhere: string; onRetry?: (message: string) => void };

export function providerFor(name: HostedProviderName, access: ProviderAccess): HostedProvider {
  if (!access.apiKey) throw new ProviderError(`no ${PROVIDER_LABEL[name]} API key: ${access.keyWhere}`);
  const baseUrl = process.env[BASE_URL_ENV[name]] || undefined;
  const options = { apiKey: access.apiKey, keyHint: access.keyWhere, ...(baseUrl ? { baseUrl } : {}), ...(access.onRetry ? { onRetry: access.onRetry } : {}) };
  return name === "openpipe" ? openPipeClient(options) : togetherClient(options);
}

/** Where the CLI and `serve` take a provider's key from. */
export function keyFromEnvironmentHint(name: HostedProviderName): string {
  return `set ${SECRET_ENV[PROVIDER_SECRET[name]]} (the CLI reads keys from the environment only)`;
}
