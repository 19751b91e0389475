#!/usr/bin/env python3
"""A PEFT LoRA adapter with seeded random, non-zero A and B on a Hugging Face checkpoint, saved as
PEFT saves a trained one (adapter_config.json + adapter_model.safetensors), for the tests that
convert adapters to GGUF: random B (PEFT starts B at zero) makes every pair change the output.

usage: random_peft_adapter.py --base HF_DIR --out DIR [--rank R] [--alpha A] [--targets q_proj,k_proj]
                              [--dtype float32|bfloat16|float16] [--std S] [--seed N]
"""
from __future__ import annotations

import argparse
import sys

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--targets", default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--std", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = AutoModelForCausalLM.from_pretrained(args.base, torch_dtype=torch.float32)
    config = LoraConfig(r=args.rank, lora_alpha=args.alpha, target_modules=args.targets.split(","), lora_dropout=0.0, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_A" in name or "lora_B" in name:
                param.normal_(0.0, args.std)
    model = model.to(getattr(torch, args.dtype))
    model.save_pretrained(args.out, safe_serialization=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
