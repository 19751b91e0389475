/**
 * Token lengths of training rows counted with the base model's own tokenizer and chat template,
 * as node-llama-cpp formats a chat for it (the same chat wrapper the extraction engine's
 * LlamaChatSession resolves): only the vocabulary is loaded, so counting needs no GPU and
 * little memory.
 */
import { getLlama, resolveChatWrapper, type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaModel } from "node-llama-cpp";
import type { TrainingRow } from "./trainingRow.ts";

export class TokenCounter {
  /** Resolved once: the model's template does not change between rows. */
  private readonly chatWrapper: ChatWrapper;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
  ) {
    this.chatWrapper = resolveChatWrapper(model);
  }

  static async open(modelPath: string): Promise<TokenCounter> {
    const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" as never });
    const model = await llama.loadModel({ modelPath, vocabOnly: true });
    return new TokenCounter(llama, model);
  }

  /** The row's tokens as the model sees them in training: the chat template's text, plus the end-of-turn token that closes the answer. */
  count(row: TrainingRow): number {
    const [system, user, assistant] = row.messages;
    const history: ChatHistoryItem[] = [
      { type: "system", text: system.content },
      { type: "user", text: user.content },
      { type: "model", response: [assistant.content] },
    ];
    const { contextText } = this.chatWrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(this.model.tokenizer).length + 1;
  }

  async close(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}
