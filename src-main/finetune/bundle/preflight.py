#!/usr/bin/env python3
"""Checks, before a GPU is spent on it, that the job can run: the Python environment, the GPUs,
disk space, the base checkpoint, and the dataset as the dataset card describes it.

usage: python preflight.py run.json

Prints one `preflight: ...` line per failure and exits 2 if there is any; writes
out_dir/preflight.json (what was found, and the failures) either way.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import runconfig

HERE = Path(__file__).resolve().parent
PACKAGES = ("torch", "transformers", "peft", "trl", "accelerate", "datasets", "safetensors", "gguf")
ROLES = {"system", "user", "assistant"}
MIN_PYTHON = (3, 10)
# Formats llama.cpp's convert_hf_to_gguf.py writes itself; any other merge.quantize needs llama-quantize.
DIRECT_OUTTYPES = {"F32", "F16", "BF16", "Q8_0"}
# Rows shown by name when many are malformed; the count says the rest.
SHOWN_BAD_ROWS = 5


class Preflight:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.warnings: list[str] = []
        self.found: dict[str, Any] = {}

    def fail(self, message: str) -> None:
        self.failures.append(message)
        print(f"preflight: {message}", flush=True)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        print(f"preflight: warning: {message}", flush=True)


def pinned_versions() -> dict[str, str]:
    pins = {}
    try:
        for line in (HERE / "requirements.txt").read_text(encoding="utf-8").splitlines():
            name, sep, version = line.split("#")[0].strip().partition("==")
            if sep:
                pins[name.strip().lower()] = version.strip()
    except OSError:
        pass
    return pins


def check_python(check: Preflight) -> None:
    check.found["python"] = platform.python_version()
    if sys.version_info < MIN_PYTHON:
        check.fail(f"Python {platform.python_version()} is too old; the bundle needs {'.'.join(map(str, MIN_PYTHON))} or newer")
    pins = pinned_versions()
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
            check.fail(f"Python package {name} is not installed (pip install -r requirements.txt)")
            continue
        pinned = pins.get(name)
        # A local build tag (2.13.0+cu128) is the same release as the pin.
        if pinned and versions[name].split("+")[0] != pinned:  # type: ignore[union-attr]
            check.warn(f"{name} {versions[name]} is installed; the bundle is tested with {pinned}")
    try:
        versions["bitsandbytes"] = importlib.metadata.version("bitsandbytes")
    except importlib.metadata.PackageNotFoundError:
        versions["bitsandbytes"] = None
    check.found["packages"] = versions


def check_gpus(check: Preflight, config: dict[str, Any]) -> None:
    try:
        import torch
    except ImportError:
        check.found["cuda"] = False
        return  # already a failure: torch is not installed
    cuda = torch.cuda.is_available()
    gpus = []
    if cuda:
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            gpus.append({"name": props.name, "memory_gb": round(props.total_memory / 2**30, 1)})
    check.found["cuda"] = cuda
    check.found["cuda_version"] = torch.version.cuda
    check.found["gpus"] = gpus
    print(f"preflight: torch {torch.__version__}, " + (", ".join(f"{g['name']} ({g['memory_gb']} GiB)" for g in gpus) if gpus else "no CUDA GPU: training runs on the CPU"), flush=True)
    if config["num_gpus"] > 1 and len(gpus) < config["num_gpus"]:
        check.fail(f"run.json asks for {config['num_gpus']} GPUs; this node has {len(gpus)} (ask Slurm for them: --gres=gpu:{config['num_gpus']})")
    if config["quantization"] == "qlora":
        if not cuda:
            check.fail("quantization is qlora, but CUDA is not available")
        elif check.found["packages"].get("bitsandbytes") is None:
            check.fail("quantization is qlora, but bitsandbytes is not installed (pip install -r requirements-gpu.txt)")


def check_base(check: Preflight, config: dict[str, Any]) -> int:
    """The base checkpoint's folder; returns the bytes of its weights (0 if unusable)."""
    base = Path(config["base_dir"])
    if not base.is_dir():
        check.fail(f"base_dir {base} does not exist")
        return 0
    problems = []
    if not (base / "config.json").is_file():
        problems.append("config.json")
    weights = sorted(base.glob("*.safetensors"))
    if not weights:
        problems.append("*.safetensors weights")
    if not (base / "tokenizer.json").is_file() and not (base / "tokenizer.model").is_file():
        problems.append("a tokenizer (tokenizer.json or tokenizer.model)")
    if problems:
        check.fail(f"base_dir {base} has no {', no '.join(problems)}: it must be a Hugging Face checkpoint folder")
    elif (base / "config.json").is_file():
        try:
            model_type = json.loads((base / "config.json").read_text(encoding="utf-8")).get("model_type")
            check.found["base_model_type"] = model_type
        except ValueError as err:
            check.fail(f"base_dir {base}: config.json is not valid JSON ({err})")
    size = sum(w.stat().st_size for w in weights)
    check.found["base"] = {"dir": str(base), "safetensors": [w.name for w in weights], "bytes": size}
    return size


def check_dataset(check: Preflight, config: dict[str, Any]) -> None:
    folder = runconfig.dataset_dir(config)
    train = Path(config["train_file"])
    expected: dict[str, str] = config["dataset_sha256"]
    checked = {}
    if train.name not in expected:
        check.fail(f"dataset_sha256 in run.json has no entry for {train.name} (the dataset card's hash of the training file)")
    for name, want in expected.items():
        path = folder / name
        if not path.is_file():
            check.fail(f"{name} is missing from {folder}")
            continue
        got = runconfig.sha256_file(path)
        checked[name] = got
        if got != want.lower():
            check.fail(f"{name} sha256 is {got}, the dataset card says {want} (the upload is damaged or the file was changed)")
    check.found["dataset"] = {"dir": str(folder), "sha256": checked}
    if train.is_file():
        check_rows(check, train)


def row_problem(line: str) -> str | None:
    try:
        row = json.loads(line)
    except ValueError as err:
        return f"not JSON ({err})"
    if not isinstance(row, dict) or not isinstance(row.get("messages"), list) or not row["messages"]:
        return 'no "messages" list'
    roles = []
    for message in row["messages"]:
        if not isinstance(message, dict) or message.get("role") not in ROLES or not isinstance(message.get("content"), str):
            return 'a message is not {"role": "system"|"user"|"assistant", "content": "..."}'
        roles.append(message["role"])
    if "system" in roles[1:]:
        return "a system message after the first"
    if roles[-1] != "assistant":
        return "the last message is not the assistant's (nothing to train on)"
    if "user" not in roles:
        return "no user message"
    return None


def check_rows(check: Preflight, path: Path) -> None:
    bad: list[str] = []
    rows = 0
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            rows += 1
            problem = row_problem(line)
            if problem:
                bad.append(f"line {number}: {problem}")
    check.found["rows"] = rows
    if rows == 0:
        check.fail(f"{path.name} has no rows")
    for problem in bad[:SHOWN_BAD_ROWS]:
        check.fail(f"{path.name} {problem}")
    if len(bad) > SHOWN_BAD_ROWS:
        check.fail(f"{path.name}: {len(bad) - SHOWN_BAD_ROWS} more malformed rows")


def check_disk_and_tools(check: Preflight, config: dict[str, Any], base_bytes: int) -> None:
    out = Path(config["out_dir"])
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".preflight-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        check.fail(f"out_dir {out} is not writable ({err.strerror})")
        return
    free = shutil.disk_usage(out).free
    # A merge writes the merged checkpoint and a 16-bit GGUF of it (each about the base's size),
    # then the quantised GGUF.
    needed = config["min_free_gb"] * 2**30 + (3 * base_bytes if config["merge"] else 0)
    check.found["disk_free_gb"] = round(free / 2**30, 1)
    if free < needed:
        check.fail(f"out_dir has {free / 2**30:.1f} GiB free, the job needs {needed / 2**30:.1f} GiB (min_free_gb {config['min_free_gb']}{' + 3 x the base for the merge' if config['merge'] else ''})")
    for script in ("convert_lora_to_gguf.py", "convert_hf_to_gguf.py"):
        if not (HERE / "llama.cpp" / script).is_file():
            check.fail(f"llama.cpp/{script} is missing from the bundle (it converts the adapter to GGUF after training)")
    merge = config["merge"]
    if merge and merge["quantize"].upper() not in DIRECT_OUTTYPES:
        tool = config["llama_quantize"] or shutil.which("llama-quantize")
        if not tool or not os.access(tool, os.X_OK):
            check.fail(f"merge.quantize {merge['quantize']} needs llama.cpp's llama-quantize: put it on PATH or set llama_quantize in run.json (or choose F16 or Q8_0)")
        check.found["llama_quantize"] = tool


def main(argv: list[str]) -> int:
    started = time.time()
    check = Preflight()
    config = runconfig.from_argv(argv, "preflight")
    if config is None:
        return runconfig.EXIT_PREFLIGHT
    check_python(check)
    base_bytes = check_base(check, config)
    check_dataset(check, config)
    check_disk_and_tools(check, config, base_bytes)
    check_gpus(check, config)
    report = {
        "ok": not check.failures,
        "failures": check.failures,
        "warnings": check.warnings,
        **check.found,
        "bundle": runconfig.bundle_info(),
        "seconds": round(time.time() - started, 3),
        "checked_at": time.time(),
    }
    try:
        runconfig.write_json(Path(config["out_dir"]) / "preflight.json", report)
    except OSError as err:
        print(f"preflight: cannot write preflight.json ({err})", flush=True)
    if check.failures:
        print(f"preflight: {len(check.failures)} problem(s); nothing was trained", flush=True)
        return runconfig.EXIT_PREFLIGHT
    print(f"preflight: ok ({check.found.get('rows')} rows, {len(check.found.get('gpus') or [])} GPU(s), {check.found.get('disk_free_gb')} GiB free)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
