#!/usr/bin/env python3
"""A tiny random Llama 3.1 as a Hugging Face checkpoint, and the same model as a GGUF, for tests
of the fine-tuning bundle: train.py trains a LoRA on the checkpoint, llama.cpp's converters turn
the adapter into a GGUF, and node-llama-cpp applies it to base.gguf.

Real Llama 3 tokenizer (read from llama.cpp's test vocabulary GGUF, so no network), the real
Llama 3.1 chat template and config shape (RoPE "llama3" scaling, untied output), 2 layers of 64.
Seeded; written into OUT (which must not exist yet: the caller renames a finished temp folder).

usage: tiny_hf_llama.py --vocab VOCAB.gguf --llama-cpp LLAMA_CPP_DIR --out DIR [--seed N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch
from transformers import AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM

# TRL vendors Meta's Llama 3.1 chat template verbatim (to recognise it); using that copy keeps
# this script free of a 100-line template that would need checking against the original.
from trl.chat_template_utils import llama3_1_chat_template

# Llama-3.1-8B-Instruct's config.json, shrunk: the same RoPE and token ids, tiny dimensions
# (head_dim 16 and grouped-query attention 4:2, like the real 32:8).
CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "hidden_act": "silu",
    "max_position_embeddings": 131072,
    "rms_norm_eps": 1e-5,
    "rope_theta": 500000.0,
    "rope_scaling": {
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009],
    "tie_word_embeddings": False,
    "attention_bias": False,
    "mlp_bias": False,
}

# Meta-Llama-3(.1)-8B(-Instruct)'s tokenizer.json post_processor, verbatim.
BOS = {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}
META_POST_PROCESSOR = {
    "type": "Sequence",
    "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                {"Sequence": {"id": "B", "type_id": 1}},
            ],
            "special_tokens": {"<|begin_of_text|>": BOS},
        },
    ],
}


def vocab_size(vocab: Path, llama_cpp: Path) -> int:
    sys.path.insert(1, str(llama_cpp / "gguf-py"))
    import gguf  # llama.cpp's own copy, as its converters use

    return len(gguf.GGUFReader(vocab).fields["tokenizer.ggml.tokens"].data)


def match_meta_tokenizer(hf_dir: Path, size: int):
    """Makes tokenizer.json what Meta's Llama 3 one is, where transformers' GGUF reader differs:
    Meta's adds <|begin_of_text|> when encoding (without it, convert_hf_to_gguf.py takes the
    tokenizer for Smaug's, "smaug-bpe", not "llama-bpe"), its BPE model has ignore_merges, and it
    has no extra <|endoftext|> after the 256 reserved tokens (one more embedding row)."""
    path = hf_dir / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model"]["ignore_merges"] = True
    data["post_processor"] = META_POST_PROCESSOR
    data["added_tokens"] = [token for token in data["added_tokens"] if token["id"] < size]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(str(hf_dir))
    if len(tokenizer) != size:
        raise SystemExit(f"tiny-hf-llama: the tokenizer has {len(tokenizer)} tokens, the vocabulary GGUF {size}")
    return tokenizer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocab", required=True, type=Path, help="llama.cpp's ggml-vocab-llama-bpe.gguf")
    parser.add_argument("--llama-cpp", required=True, type=Path, help="folder with convert_hf_to_gguf.py and gguf-py/")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--outtype", default="f16", choices=["f16", "f32"])
    args = parser.parse_args()

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    hf_dir = args.out / "hf"
    hf_dir.mkdir(parents=True)

    started = time.monotonic()
    tokenizer = AutoTokenizer.from_pretrained(str(args.vocab.parent), gguf_file=args.vocab.name)
    tokenizer.chat_template = llama3_1_chat_template
    tokenizer.save_pretrained(hf_dir)
    tokenizer = match_meta_tokenizer(hf_dir, vocab_size(args.vocab, args.llama_cpp))
    print(f"tiny-hf-llama: tokenizer from {args.vocab.name} in {time.monotonic() - started:.1f} s", flush=True)

    config = LlamaConfig(**{**CONFIG, "vocab_size": len(tokenizer)})
    torch.manual_seed(args.seed)
    model = LlamaForCausalLM(config).to(torch.float32)
    with torch.no_grad():
        # At the usual 0.02 the 64-wide output layer cannot make any token much likelier than
        # another (logits within about ±1 of each other), so the loss stays near ln(128256) = 11.8
        # whatever a LoRA on the other layers learns (all-linear leaves lm_head alone). At 0.5 a
        # LoRA can memorise a row within a few dozen steps, as the tests need.
        model.lm_head.weight.normal_(0.0, 0.5)
    model.generation_config = GenerationConfig(bos_token_id=128000, eos_token_id=[128001, 128008, 128009], do_sample=False)
    model.save_pretrained(hf_dir, safe_serialization=True)
    # Records what made the checkpoint, so a stale cache can be told from a current one by eye.
    (args.out / "tiny-hf-llama.json").write_text(json.dumps({"seed": args.seed, "vocab": args.vocab.name, "config": CONFIG}, indent=2) + "\n")

    started = time.monotonic()
    gguf = args.out / "base.gguf"
    converted = subprocess.run(
        [sys.executable, str(args.llama_cpp / "convert_hf_to_gguf.py"), str(hf_dir), "--outtype", args.outtype, "--outfile", str(gguf)],
        # The converter logs every tensor and the whole chat template; shown only when it fails.
        capture_output=True,
        text=True,
        check=False,
    )
    if converted.returncode != 0:
        sys.stderr.write(converted.stdout + converted.stderr)
        raise SystemExit(f"tiny-hf-llama: convert_hf_to_gguf.py failed with exit code {converted.returncode}")
    print(f"tiny-hf-llama: {gguf.name} ({gguf.stat().st_size} bytes) in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
