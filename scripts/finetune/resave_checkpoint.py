#!/usr/bin/env python3
"""A Hugging Face checkpoint saved again as a cloud fine-tune exports a merged model: in another
dtype and in shards (model-0000N-of-0000M.safetensors + model.safetensors.index.json), with its
tokenizer and chat template, for the tests of the checkpoint → GGUF converters.

usage: resave_checkpoint.py --base HF_DIR --out DIR [--dtype bfloat16|float16|float32] [--max-shard-size 20MB]
"""
from __future__ import annotations

import argparse
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    parser.add_argument("--max-shard-size", default="20MB")
    args = parser.parse_args()

    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=getattr(torch, args.dtype))
    model.save_pretrained(args.out, safe_serialization=True, max_shard_size=args.max_shard_size)
    AutoTokenizer.from_pretrained(args.base).save_pretrained(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
