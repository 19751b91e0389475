/**
 * Where letters may be sent for extraction. Real letters never leave the hospital: a loopback
 * server is this machine; any other host only when the user has stated that it runs inside the
 * hospital network (on-premise); a public cloud AI API never, whatever the user says, because
 * "on-premise" ticked by mistake must not send a clinic letter to a cloud provider.
 *
 * Pure: decided from the URL text alone (no DNS lookup), so a name cannot be checked once and
 * resolved differently later; the WHATWG URL parser normalises the tricks (`2130706433`,
 * `0x7f.1`, `[::ffff:127.0.0.1]`, upper case, a trailing dot) before the checks.
 */
import { BlockList, isIP } from "node:net";

export type HostDecision = { ok: true } | { ok: false; reason: string };

/** A public cloud AI API: `domain` matches itself and every subdomain; `pattern` for regional hosts. */
type CloudApi = { provider: string; domain?: string; pattern?: RegExp };

/**
 * Known public cloud AI APIs, refused even when marked on-premise. Whole provider domains where
 * the provider does nothing but AI, so a new regional or versioned host is covered too.
 */
export const CLOUD_AI_APIS: readonly CloudApi[] = [
  { provider: "OpenAI", domain: "openai.com" },
  { provider: "Azure OpenAI", domain: "openai.azure.com" },
  { provider: "Azure AI services", domain: "cognitiveservices.azure.com" },
  { provider: "Azure AI Foundry", domain: "services.ai.azure.com" },
  { provider: "Azure AI inference", domain: "inference.ai.azure.com" },
  { provider: "Anthropic", domain: "anthropic.com" },
  { provider: "Google Gemini", domain: "generativelanguage.googleapis.com" },
  { provider: "Google Vertex AI", pattern: /(^|[.-])aiplatform\.googleapis\.com$/ },
  { provider: "Amazon Bedrock", pattern: /(^|\.)bedrock(-runtime|-agent-runtime)?(-fips)?\.[a-z0-9-]+\.amazonaws\.com$/ },
  { provider: "OpenPipe", domain: "openpipe.ai" },
  { provider: "Together AI", domain: "together.xyz" },
  { provider: "Together AI", domain: "together.ai" },
  { provider: "Groq", domain: "groq.com" },
  { provider: "OpenRouter", domain: "openrouter.ai" },
  { provider: "Mistral AI", domain: "mistral.ai" },
  { provider: "Cohere", domain: "cohere.ai" },
  { provider: "Cohere", domain: "cohere.com" },
  { provider: "DeepSeek", domain: "deepseek.com" },
  { provider: "Fireworks AI", domain: "fireworks.ai" },
  { provider: "Perplexity", domain: "perplexity.ai" },
  { provider: "xAI", domain: "x.ai" },
  { provider: "Hugging Face", domain: "huggingface.co" },
  { provider: "DeepInfra", domain: "deepinfra.com" },
  { provider: "Replicate", domain: "replicate.com" },
  { provider: "Cerebras", domain: "cerebras.ai" },
  { provider: "SambaNova", domain: "sambanova.ai" },
  { provider: "Novita AI", domain: "novita.ai" },
  { provider: "Hyperbolic", domain: "hyperbolic.xyz" },
  { provider: "Alibaba Cloud Model Studio", domain: "dashscope.aliyuncs.com" },
  { provider: "Alibaba Cloud Model Studio", domain: "dashscope-intl.aliyuncs.com" },
  { provider: "Moonshot AI", domain: "moonshot.cn" },
  { provider: "Moonshot AI", domain: "moonshot.ai" },
  { provider: "Zhipu AI", domain: "bigmodel.cn" },
];

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

export function checkInferenceHost(url: string, onPremise: boolean): HostDecision {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text is not echoed: it may hold a key.
    return { ok: false, reason: "the inference server address is not a valid URL (expected e.g. http://gpu01.hospital.local:8080/v1)" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, reason: `the inference server address must be http:// or https://, not ${parsed.protocol}//` };
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return { ok: false, reason: "the inference server address must not contain a user name or password; give an API key separately, never in the URL" };
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    return { ok: false, reason: "the inference server address must not have a query string or fragment (an API key is given separately, never in the URL)" };
  }
  const host = parsed.hostname.replace(/\.$/, "");
  const cloud = cloudProvider(host);
  if (cloud) {
    return {
      ok: false,
      reason:
        `${host} is a public cloud AI API (${cloud}): real letters must never go to a cloud API, so it is refused even when marked on-premise. ` +
        "Use an inference server that runs inside the hospital network (llama.cpp server, vLLM).",
    };
  }
  if (isLoopback(host)) return { ok: true };
  if (!onPremise) {
    return {
      ok: false,
      reason:
        `${host} is not this machine: letters would be sent over the network to it. ` +
        "Only a server inside the hospital network may receive letters; if it is one, mark it as on-premise (--on-premise).",
    };
  }
  return { ok: true };
}

/** 127.0.0.0/8, ::1 (also written as IPv4-mapped ::ffff:127.x.y.z) and the name localhost. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (host === "localhost") return true;
  const family = isIP(host);
  if (family === 0) return false;
  return LOOPBACK.check(host, family === 6 ? "ipv6" : "ipv4");
}

function cloudProvider(host: string): string | undefined {
  for (const api of CLOUD_AI_APIS) {
    if (api.domain && (host === api.domain || host.endsWith(`.${api.domain}`))) return api.provider;
    if (api.pattern?.test(host)) return api.provider;
  }
  return undefined;
}
