// How a Hugging Face Llama checkpoint's tensors become a GGUF's: the names llama.cpp's
// convert_hf_to_gguf.py gives them (gguf-py's tensor_mapping.py, Llama rows), and the row order it
// gives the query and key projections (LlamaModel.permute), which llama.cpp's RoPE expects.

const BLOCK_TENSORS: Readonly<Record<string, string>> = {
  "input_layernorm": "attn_norm",
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "post_attention_layernorm": "ffn_norm",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};

const MODEL_TENSORS: Readonly<Record<string, string>> = {
  "model.embed_tokens": "token_embd",
  "model.norm": "output_norm",
  "lm_head": "output",
};

/** `model.layers.3.self_attn.q_proj.weight` → `blk.3.attn_q.weight`; null for a name llama.cpp's Llama has no tensor for. */
export function llamaGgufName(hfName: string): string | null {
  const suffix = hfName.match(/\.(weight|bias)$/)?.[1];
  if (suffix === undefined) return null;
  const stem = hfName.slice(0, -(suffix.length + 1));
  const top = MODEL_TENSORS[stem];
  if (top !== undefined) return `${top}.${suffix}`;
  const block = stem.match(/^model\.layers\.(\d+)\.(.+)$/);
  const name = block === null ? undefined : BLOCK_TENSORS[block[2] as string];
  return block === null || name === undefined ? null : `blk.${block[1]}.${name}.${suffix}`;
}

/**
 * How many heads the rows of this projection are interleaved over, or null when its rows keep
 * their order: convert_hf_to_gguf.py permutes q_proj over the attention heads and k_proj over the
 * key-value heads (as LlamaModel.permute, with n_head_kv when it differs).
 */
export function llamaPermuteHeads(hfName: string, heads: { count: number; countKv: number }): number | null {
  if (/\.self_attn\.q_proj\.(weight|bias)$/.test(hfName)) return heads.count;
  if (/\.self_attn\.k_proj\.(weight|bias)$/.test(hfName)) return heads.countKv;
  return null;
}

/**
 * LlamaModel.permute on a row-major [rows, cols] matrix: within each head, the rows of the first
 * and second halves of the rotary pairs are interleaved (row h·d + k·d/2 + j moves to h·d + 2j + k).
 */
export function permuteRows(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const headDim = rows / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`cannot split ${rows} rows over ${heads} heads of an even size`);
  const half = headDim / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let k = 0; k < 2; k++) {
      for (let j = 0; j < half; j++) {
        const from = (h * headDim + k * half + j) * cols;
        out.set(data.subarray(from, from + cols), (h * headDim + 2 * j + k) * cols);
      }
    }
  }
  return out;
}
