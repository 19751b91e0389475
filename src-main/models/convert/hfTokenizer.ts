/**
 * A Hugging Face Llama 3 tokenizer (tokenizer.json, tokenizer_config.json, chat_template.jinja) →
 * the GGUF tokenizer metadata convert_hf_to_gguf.py writes for it (_set_vocab_gpt2 with gguf-py's
 * SpecialVocab): tokens by id with their types, merges, BOS/EOS, add_bos/add_sep, chat template.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { GgufType, ggufKv, type GgufKv } from "../gguf/gguf.ts";
import { HfCheckpointError } from "./hfCheckpoint.ts";

/**
 * Llama 3's pre-tokenizer split. convert_hf_to_gguf.py names a tokenizer's pre-tokenizer by
 * hashing how the tokenizer splits a test text, which needs the tokenizer itself; this reads the
 * pattern instead and converts only the one it knows ("llama-bpe"), refusing the rest.
 */
const LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** gguf-py's TokenType. */
const TOKEN = { NORMAL: 1, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5 } as const;

type AddedToken = { id: number; content: string; special?: boolean };
type TokenizerJson = {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  added_tokens?: AddedToken[];
  pre_tokenizer?: unknown;
  post_processor?: { type?: string; processors?: unknown[]; single?: unknown[]; pair?: unknown[] } | null;
};

export async function llama3TokenizerMetadata(dir: string, vocabSize: number): Promise<GgufKv[]> {
  const file = path.join(dir, "tokenizer.json");
  const tokenizer = (await readJson(file, "the tokenizer")) as TokenizerJson;
  const config = ((await readJson(path.join(dir, "tokenizer_config.json"), null)) ?? {}) as Record<string, unknown>;
  const model = tokenizer.model;
  if (model?.type !== "BPE" || model.vocab === undefined) throw new HfCheckpointError(`${file}: not a byte-level BPE tokenizer (model.type ${JSON.stringify(model?.type)}); only Llama 3's is converted here`);
  if (!JSON.stringify(tokenizer.pre_tokenizer ?? null).includes(JSON.stringify(LLAMA3_SPLIT))) {
    throw new HfCheckpointError(`${file}: its pre-tokenizer is not Llama 3's, so llama.cpp's name for it ("tokenizer.ggml.pre") is unknown here; only Llama 3 tokenizers are converted`);
  }

  const tokens: string[] = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const types: number[] = Array.from({ length: vocabSize }, () => TOKEN.UNUSED);
  const set = (id: number, text: string, type: number) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new HfCheckpointError(`${file}: token ${JSON.stringify(text)} has id ${id}, outside the model's vocab_size ${vocabSize}`);
    tokens[id] = text;
    types[id] = type;
  };
  for (const [text, id] of Object.entries(model.vocab)) set(id, text, TOKEN.NORMAL);
  for (const added of tokenizer.added_tokens ?? []) set(added.id, added.content, added.special === true || looksSpecial(added.content) ? TOKEN.CONTROL : TOKEN.USER_DEFINED);

  const merges = (model.merges ?? []).map((merge) => (typeof merge === "string" ? merge : merge.map((part) => part.replaceAll(" ", "\u0120")).join(" ")));
  const idOf = (text: unknown): number | undefined => {
    const content = typeof text === "object" && text !== null ? (text as { content?: unknown }).content : text;
    if (typeof content !== "string") return undefined;
    const added = tokenizer.added_tokens?.find((token) => token.content === content);
    return added?.id ?? model.vocab?.[content];
  };
  const bos = idOf(config.bos_token);
  const eos = idOf(config.eos_token);
  const { addBos, addSep } = specialTokensAdded(tokenizer.post_processor ?? null, config);

  const metadata: GgufKv[] = [
    ggufKv.string("tokenizer.ggml.model", "gpt2"),
    ggufKv.string("tokenizer.ggml.pre", "llama-bpe"),
    ggufKv.array("tokenizer.ggml.tokens", GgufType.STRING, tokens),
    ggufKv.array("tokenizer.ggml.token_type", GgufType.INT32, types),
    ggufKv.array("tokenizer.ggml.merges", GgufType.STRING, merges),
  ];
  if (bos !== undefined) metadata.push(ggufKv.u32("tokenizer.ggml.bos_token_id", bos));
  if (eos !== undefined) metadata.push(ggufKv.u32("tokenizer.ggml.eos_token_id", eos));
  if (addBos !== undefined) metadata.push(ggufKv.bool("tokenizer.ggml.add_bos_token", addBos));
  if (addSep !== undefined) metadata.push(ggufKv.bool("tokenizer.ggml.add_sep_token", addSep));
  const template = await chatTemplate(dir, config);
  if (template !== null) metadata.push(ggufKv.string("tokenizer.chat_template", template));
  return metadata;
}

/** convert_hf_to_gguf.py's does_token_look_special, for the forms a Llama tokenizer can hold. */
function looksSpecial(text: string): boolean {
  return (text.startsWith("<|") && text.endsWith("|>")) || (text.startsWith("<unused") && text.endsWith(">")) || ["<pad>", "<mask>"].includes(text);
}

/**
 * Whether encoding adds BOS (and a separator between a pair), read from the post-processor's
 * TemplateProcessing as SpecialVocab reads it for the simple templates Llama uses.
 */
function specialTokensAdded(postProcessor: TokenizerJson["post_processor"], config: Record<string, unknown>): { addBos?: boolean; addSep?: boolean } {
  const bosText = typeof config.bos_token === "string" ? config.bos_token : undefined;
  const processors = (postProcessor?.processors ?? (postProcessor === null ? [] : [postProcessor])) as { type?: string; single?: unknown[]; pair?: unknown[] }[];
  const template = processors.find((processor) => processor.type === "TemplateProcessing");
  if (template === undefined) return {};
  const special = (entry: unknown): string | undefined => (entry as { SpecialToken?: { id?: string } } | undefined)?.SpecialToken?.id;
  const single = template.single ?? [];
  const first = single.length > 1 ? special(single[0]) : undefined;
  const last = single.length > 1 ? special(single.at(-1)) : undefined;
  const result: { addBos?: boolean; addSep?: boolean } = {};
  if (first !== undefined) result.addBos = first === bosText;
  let pair = template.pair ?? [];
  if (pair.length > 0) {
    pair = pair.slice(first !== undefined && special(pair[0]) === first ? 1 : 0, last !== undefined && special(pair.at(-1)) === last ? -1 : undefined);
    const ids = pair.map((entry) => (entry as { Sequence?: { id?: string } }).Sequence?.id);
    const middle = pair.slice(1, -1);
    if (ids[0] === "A" && ids.at(-1) === "B" && middle.length > 0) {
      const entry = special(middle[0]);
      const eosText = typeof config.eos_token === "string" ? config.eos_token : undefined;
      const sepText = typeof config.sep_token === "string" ? config.sep_token : undefined;
      result.addSep = entry !== undefined && (entry === sepText || entry === eosText) && last === undefined;
    }
  }
  return result;
}

/** As gguf-py's SpecialVocab: tokenizer_config.json's chat_template, else chat_template.jinja, else chat_template.json's. */
async function chatTemplate(dir: string, config: Record<string, unknown>): Promise<string | null> {
  const named = (value: unknown): string | null => {
    if (typeof value === "string") return value;
    // A list of named templates: the default one is the chat template (the named extras are not carried).
    if (Array.isArray(value)) return (value as { name?: unknown; template?: unknown }[]).find((entry) => entry.name === "default")?.template as string | undefined ?? null;
    return null;
  };
  if (config.chat_template !== undefined) return named(config.chat_template);
  try {
    return await readFile(path.join(dir, "chat_template.jinja"), "utf8");
  } catch {
    const json = (await readJson(path.join(dir, "chat_template.json"), null)) as { chat_template?: unknown } | null;
    return named(json?.chat_template);
  }
}

async function readJson(file: string, what: string | null): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (what === null && (error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new HfCheckpointError(`${file}: cannot read ${what ?? "it"} (${(error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HfCheckpointError(`${file} is not JSON: ${(error as Error).message}`);
  }
}
