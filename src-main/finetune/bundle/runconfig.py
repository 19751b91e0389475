#!/usr/bin/env python3
"""run.json: what one fine-tuning job trains, read by preflight.py, train.py, convert.py and run.sh.

Every key, its default and its check live here, so the three stages cannot disagree about a
default. Relative paths are taken from run.json's own folder (the job folder the app uploads), not
from the working directory, so the same run.json works wherever the job is started from.

As a command (for run.sh): `python runconfig.py RUN_JSON KEY` prints one resolved value.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

# The source recipe (LoRA r 8 / alpha 16 on every linear layer, constant 2e-4, batch 1 x 2
# accumulation, 12k-token rows) as defaults; the app writes the values it used into run.json anyway.
DEFAULTS: dict[str, Any] = {
    "base_dir": None,  # required: Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer)
    "train_file": None,  # required: chat-format JSONL, one {"messages": [...], "metadata": {...}} per line
    "out_dir": None,  # required: everything the job writes
    "dataset_sha256": None,  # required: {"train.jsonl": "<hex>"}; names relative to train_file's folder
    "lora_rank": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.05,
    "target_modules": "all-linear",
    "learning_rate": 2e-4,
    "lr_scheduler_type": "constant",
    "warmup_steps": 0,
    "per_device_batch_size": 1,
    "gradient_accumulation_steps": 2,
    "gradient_checkpointing": True,
    "max_length": 12000,
    "epochs": 1,
    "max_steps": None,  # when set, replaces epochs
    "seed": 42,
    "save_steps": 50,
    "save_total_limit": 2,
    "quantization": "auto",  # "auto" (QLoRA where bitsandbytes and CUDA are there), "qlora", "lora"
    "num_gpus": 1,  # > 1: run.sh starts train.py with accelerate and DeepSpeed ZeRO-2
    "threads": None,  # CPU threads for torch; default: what the job was given (Slurm) or all
    "adapter_outtype": "f16",  # adapter.gguf: f16, f32 or q8_0
    "merge": None,  # {"quantize": "Q4_K_M" | "Q8_0" | "F16" | any llama-quantize type}: also a merged GGUF
    "llama_quantize": None,  # path of llama.cpp's llama-quantize; default: found on PATH
    "min_free_gb": 5,  # free disk needed in out_dir before training (more with merge)
    "lineage": None,  # free-form (job, model names ...), copied into result.json
}
REQUIRED = ("base_dir", "train_file", "out_dir", "dataset_sha256")
PATH_KEYS = ("base_dir", "train_file", "out_dir", "llama_quantize")
ADAPTER_OUTTYPES = ("f16", "f32", "q8_0")
QUANTIZATION = ("auto", "qlora", "lora")

EXIT_PREFLIGHT = 2
# EX_TEMPFAIL: stopped on request (Slurm's signal before the time limit or a preemption) after
# saving a checkpoint; running the same command again goes on from it.
EXIT_REQUEUE = 75


class ConfigError(Exception):
    pass


def from_argv(argv: list[str], stage: str) -> dict[str, Any] | None:
    """run.json named by a stage's command line (`STAGE.py [--config] run.json`), or None after saying why."""
    args = [a for a in argv[1:] if a != "--config"]
    if len(args) != 1:
        print(f"usage: {stage}.py [--config] run.json", file=sys.stderr)
        return None
    try:
        return load(args[0])
    except ConfigError as err:
        print(f"{stage}: {err}", file=sys.stderr, flush=True)
        return None


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """run.json with defaults filled in and paths made absolute; ConfigError names what is wrong."""
    path = Path(path).resolve()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read {path}: {err}") from err
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    # A misspelt key ("max_step") would otherwise fall back to its default without a word.
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"{path.name}: unknown key(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    config = {**DEFAULTS, **raw}
    missing = [key for key in REQUIRED if not config.get(key)]
    if missing:
        raise ConfigError(f"{path.name}: missing {', '.join(missing)}")
    for key in PATH_KEYS:
        if config[key] is not None:
            config[key] = str((path.parent / str(config[key])).resolve())
    config["run_json"] = str(path)
    _check(config, path.name)
    return config


def _check(config: dict[str, Any], name: str) -> None:
    def positive_int(key: str, allow_none: bool = False) -> None:
        value = config[key]
        if allow_none and value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{name}: {key} must be a positive integer, not {value!r}")

    for key in ("lora_rank", "per_device_batch_size", "gradient_accumulation_steps", "max_length", "save_steps", "save_total_limit", "num_gpus"):
        positive_int(key)
    positive_int("max_steps", allow_none=True)
    positive_int("threads", allow_none=True)
    for key in ("lora_alpha", "learning_rate", "epochs"):
        if not isinstance(config[key], (int, float)) or config[key] <= 0:
            raise ConfigError(f"{name}: {key} must be a positive number, not {config[key]!r}")
    if not isinstance(config["lora_dropout"], (int, float)) or not 0 <= config["lora_dropout"] < 1:
        raise ConfigError(f"{name}: lora_dropout must be in [0, 1)")
    if config["quantization"] not in QUANTIZATION:
        raise ConfigError(f"{name}: quantization must be one of {', '.join(QUANTIZATION)}")
    if config["adapter_outtype"] not in ADAPTER_OUTTYPES:
        raise ConfigError(f"{name}: adapter_outtype must be one of {', '.join(ADAPTER_OUTTYPES)}")
    if not isinstance(config["dataset_sha256"], dict) or not all(isinstance(v, str) for v in config["dataset_sha256"].values()):
        raise ConfigError(f'{name}: dataset_sha256 must map file names to hex digests, e.g. {{"train.jsonl": "..."}}')
    merge = config["merge"]
    if merge is not None and (not isinstance(merge, dict) or not isinstance(merge.get("quantize"), str)):
        raise ConfigError(f'{name}: merge must be like {{"quantize": "Q4_K_M"}}')


def dataset_dir(config: dict[str, Any]) -> Path:
    return Path(config["train_file"]).parent


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    """Whole or not at all: the app reads these files while the job runs, possibly mid-write."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp makes the file 0600; these are read by others on a shared cluster like any output.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2)
            file.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def bundle_info() -> dict[str, Any]:
    """bundle.json (written next to these scripts by the app): the bundle's version and llama.cpp's commit."""
    try:
        return json.loads((Path(__file__).parent / "bundle.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: runconfig.py RUN_JSON KEY", file=sys.stderr)
        return EXIT_PREFLIGHT
    try:
        config = load(argv[1])
    except ConfigError as err:
        print(f"run.json: {err}", file=sys.stderr)
        return EXIT_PREFLIGHT
    value = config.get(argv[2])
    print("" if value is None else json.dumps(value) if isinstance(value, (dict, list)) else value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
