import { Llama, LlamaLogLevel } from "node-llama-cpp";

/**
 * llama.cpp's own account of how it set a context up: whether flash attention is in effect (the
 * "auto" setting resolves per device), how many pieces the compute graph was split into across
 * backends (more than a couple means some operation fell back to the CPU), the batch sizes and
 * whether the sequences share one KV buffer. A GPU benchmark that misses its figure starts here.
 */
const SETUP_LINE = /flash.?attn|flash attention|splits = |kv_unified|n_seq_max|n_ubatch/i;

/** Lines kept at most: one context's setup says each thing once; several contexts repeat it. */
const MAX_LINES = 40;

export type SetupLog = {
  /** For getLlama: keeps the setup lines, passes errors on as node-llama-cpp would print them. */
  logger: (level: LlamaLogLevel, message: string) => void;
  /** Setup lines since the last take(), each once, llama.cpp's function prefix removed. */
  take(): string[];
};

export function setupLog(): SetupLog {
  let lines: string[] = [];
  return {
    logger(level, message) {
      if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) Llama.defaultConsoleLogger(level, message);
      for (const line of message.split("\n")) {
        if (!SETUP_LINE.test(line)) continue;
        const text = line.replace(/^\s*\w+:\s*/, "").replace(/\s+/g, " ").trim();
        if (lines.length < MAX_LINES && !lines.includes(text)) lines.push(text);
      }
    },
    take() {
      const taken = lines;
      lines = [];
      return taken;
    },
  };
}
