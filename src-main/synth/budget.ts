/**
 * The budget cap: a request is only started when its worst-case cost still fits, so a job stops
 * before it could exceed its budget, never after. Worst case: the prompt at the dearest input
 * price that could apply (a cache write for the cached prefix), counted at three characters a
 * token (English runs nearer four, so this overestimates), plus the full output token limit.
 */
import { costUsd, type PricesPerMTok } from "./anthropicClient.ts";
import type { SyntheticText } from "./syntheticText.ts";

export const WORST_CASE_CHARS_PER_TOKEN = 3;

export function worstCaseCostUsd(
  request: { system: readonly SyntheticText[]; user: SyntheticText; maxTokens: number },
  prices: PricesPerMTok,
  multiplier = 1,
): number {
  const tokens = (chars: number): number => Math.ceil(chars / WORST_CASE_CHARS_PER_TOKEN);
  const systemTokens = tokens(request.system.reduce((sum, block) => sum + block.length, 0));
  const prefixPrice = Math.max(prices.input, prices.cacheWrite, prices.cacheRead);
  const usage = { input: tokens(request.user.length), output: request.maxTokens, cacheWrite: 0, cacheRead: 0 };
  return costUsd(usage, prices, multiplier) + ((systemTokens * prefixPrice) / 1_000_000) * multiplier;
}
