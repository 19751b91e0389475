#!/usr/bin/env python3
"""Turns the trained adapter into what llama.cpp (and so OncoTimeline) loads.

usage: python convert.py run.json

  out_dir/adapter.gguf         the LoRA as a GGUF adapter (llama.cpp's convert_lora_to_gguf.py,
                               adapter_outtype f16 | f32 | q8_0), applied on the base at load time
  out_dir/merged/              only with run.json "merge": the base with the adapter merged in
  out_dir/merged-<TYPE>.gguf   ... as one GGUF; F16, BF16, F32 and Q8_0 straight from
                               convert_hf_to_gguf.py, other types (Q4_K_M ...) by llama-quantize
  out_dir/convert.json         the files written, their sizes and sha256, llama.cpp's commit

Each GGUF is written under a temporary name and renamed when complete, so a file with the final
name is never half-written.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import runconfig

HERE = Path(__file__).resolve().parent
LLAMA_CPP = HERE / "llama.cpp"
DIRECT_OUTTYPES = {"F32": "f32", "F16": "f16", "BF16": "bf16", "Q8_0": "q8_0"}


def log(message: str) -> None:
    print(f"convert: {message}", flush=True)


def run(command: list[str]) -> None:
    log("running " + " ".join(command))
    # The converters import their own gguf-py (next to them), not the pip gguf, unless NO_LOCAL_GGUF.
    result = subprocess.run(command, env={k: v for k, v in os.environ.items() if k != "NO_LOCAL_GGUF"}, check=False)
    if result.returncode != 0:
        raise SystemExit(f"convert: {Path(command[1]).name if command[0] == sys.executable else command[0]} failed with exit code {result.returncode}")


def describe(path: Path) -> dict[str, Any]:
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": runconfig.sha256_file(path)}


def convert_adapter(config: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    adapter = out_dir / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        raise SystemExit(f"convert: {adapter} has no adapter_config.json; has training finished?")
    target = out_dir / "adapter.gguf"
    partial = out_dir / "adapter.gguf.partial"
    run([
        sys.executable, str(LLAMA_CPP / "convert_lora_to_gguf.py"),
        "--base", config["base_dir"],
        "--outtype", config["adapter_outtype"],
        "--outfile", str(partial),
        str(adapter),
    ])
    os.replace(partial, target)
    return {**describe(target), "outtype": config["adapter_outtype"]}


def merge(config: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quantize = config["merge"]["quantize"].upper()
    merged = out_dir / "merged"
    started = time.time()
    # The checkpoint's own dtype (bf16 for Llama 3.1): merging in it keeps the file the base's size.
    base = AutoModelForCausalLM.from_pretrained(config["base_dir"], dtype="auto", device_map={"": "cpu"})
    model = PeftModel.from_pretrained(base, str(out_dir / "adapter")).merge_and_unload()
    model.save_pretrained(str(merged), safe_serialization=True)
    # The base's tokenizer and chat template, not the training one (whose generation markers only
    # transformers understands).
    AutoTokenizer.from_pretrained(config["base_dir"]).save_pretrained(str(merged))
    generation_config = Path(config["base_dir"]) / "generation_config.json"
    if generation_config.is_file():
        shutil.copy2(generation_config, merged / "generation_config.json")
    del model, base
    log(f"merged the adapter into the base in {time.time() - started:.0f} s: {merged}")

    outtype = DIRECT_OUTTYPES.get(quantize, "f16")
    direct = out_dir / f"merged-{outtype.upper()}.gguf"
    partial = direct.with_name(direct.name + ".partial")
    run([sys.executable, str(LLAMA_CPP / "convert_hf_to_gguf.py"), str(merged), "--outtype", outtype, "--outfile", str(partial)])
    os.replace(partial, direct)
    if quantize in DIRECT_OUTTYPES:
        return {**describe(direct), "type": quantize}

    tool = config["llama_quantize"] or shutil.which("llama-quantize")
    if not tool:
        raise SystemExit(
            f"convert: merge.quantize {quantize} needs llama.cpp's llama-quantize, which is not on PATH "
            f"(set llama_quantize in run.json); the merged F16 GGUF is at {direct}"
        )
    target = out_dir / f"merged-{quantize}.gguf"
    partial = target.with_name(target.name + ".partial")
    run([tool, str(direct), str(partial), quantize])
    os.replace(partial, target)
    direct.unlink()  # the 16-bit intermediate is the base's size again (16 GB for 8B)
    return {**describe(target), "type": quantize}


def main(argv: list[str]) -> int:
    config = runconfig.from_argv(argv, "convert")
    if config is None:
        return runconfig.EXIT_PREFLIGHT
    out_dir = Path(config["out_dir"])
    started = time.time()
    report: dict[str, Any] = {"adapter_gguf": convert_adapter(config, out_dir)}
    log(f"adapter.gguf written in {time.time() - started:.1f} s")
    if config["merge"]:
        report["merged_gguf"] = merge(config, out_dir)
    report["llama_cpp"] = runconfig.bundle_info().get("llamaCppCommit")
    report["seconds"] = round(time.time() - started, 3)
    runconfig.write_json(out_dir / "convert.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
