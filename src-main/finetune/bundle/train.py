#!/usr/bin/env python3
"""Trains a LoRA adapter on a chat-format dataset: transformers + PEFT + TRL's SFTTrainer.

usage: python train.py run.json      (or --config run.json; see runconfig.py for the keys)

Writes into out_dir:
  metrics.jsonl     one line per optimizer step: {"step", "loss", "learning_rate", "epoch", "time"}
  label_check.json  the first row as trained: prompt tokens masked, the assistant's reply trained
  checkpoints/      checkpoint-N every save_steps (and on a stop request); a rerun resumes from the last
  adapter/          the PEFT adapter (adapter_config.json, adapter_model.safetensors)
  result.json       steps, losses, time, mode, device, the base checkpoint's hashes, versions

QLoRA (4-bit NF4 base, bf16 compute, double quantisation) when bitsandbytes imports and CUDA is
there; otherwise plain LoRA (bf16 on a GPU, fp32 on a CPU). Exits 75 after saving a checkpoint when
asked to stop (SIGUSR1 or SIGTERM, or a `stop-requested` file in out_dir, which run.sh creates when
Slurm warns of the time limit): the same command then goes on from that checkpoint.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import runconfig

HERE = Path(__file__).resolve().parent
TRAINING_TEMPLATE = HERE / "llama3_1_training.jinja"
CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
# Rows whose rendering train.py compares between the base's template and the training one.
TEMPLATE_CHECK_ROWS = 1000


def log(message: str) -> None:
    if is_main_process():
        print(f"train: {message}", flush=True)


def is_main_process() -> bool:
    return os.environ.get("RANK", "0") == "0"


# ---------------------------------------------------------------------------------------------
# Stopping on request

stop_signal: list[str] = []


def on_stop_signal(signum: int, _frame: Any) -> None:
    stop_signal.append(signal.Signals(signum).name)
    if not training_started:
        # Nothing to save yet: the rerun starts where this one would have.
        log(f"{stop_signal[0]} before training began; exiting for a rerun")
        sys.exit(runconfig.EXIT_REQUEUE)


training_started = False


def stop_requested(out_dir: Path) -> bool:
    wanted = bool(stop_signal) or (out_dir / "stop-requested").exists()
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        # Every rank must stop at the same step, or the others wait forever in the next all-reduce.
        import torch

        flag = torch.tensor([1 if wanted else 0], device="cuda" if torch.cuda.is_available() else "cpu")
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        wanted = bool(flag.item())
    return wanted


# ---------------------------------------------------------------------------------------------
# Data and template


def read_rows(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            row = json.loads(line)
            # metadata (letter ids, sources) is for people, not the model; TRL would keep it as a column.
            rows.append({"messages": [{"role": m["role"], "content": m["content"]} for m in row["messages"]]})
    if not rows:
        raise SystemExit(f"train: {path} has no rows")
    return rows


def choose_chat_template(tokenizer: Any, rows: list[dict[str, Any]]) -> tuple[str, str]:
    """The template to train with and why. It must render every row exactly as the base's own
    template does, since that is the text the model sees at inference; and it needs {% generation %}
    markers for assistant_only_loss, which Llama 3.1's own template lacks."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    own = tokenizer.chat_template
    if isinstance(own, str) and has_generation_markers(own):
        return own, "the base checkpoint's own (it has generation markers)"
    ours = TRAINING_TEMPLATE.read_text(encoding="utf-8")
    if not own:
        return ours, f"{TRAINING_TEMPLATE.name} (the base checkpoint has no chat template)"
    differs = next(
        (
            number
            for number, row in enumerate(rows[:TEMPLATE_CHECK_ROWS], 1)
            if tokenizer.apply_chat_template(row["messages"], tokenize=False, chat_template=ours)
            != tokenizer.apply_chat_template(row["messages"], tokenize=False, chat_template=own)
        ),
        None,
    )
    if differs is None:
        return ours, f"{TRAINING_TEMPLATE.name} (renders the rows exactly as the base's own template)"
    try:
        patched = get_training_chat_template(tokenizer)
    except ValueError:
        patched = None
    if patched:
        return patched, "TRL's training version of the base's own template"
    raise SystemExit(
        f"train: the base checkpoint's chat template is not Llama 3.1's (row {differs} renders differently) "
        "and TRL has no training version of it; give the base a template with {% generation %} markers"
    )


def check_labels(trainer: Any, tokenizer: Any, out_dir: Path) -> None:
    """Proves on the first row, as the collator hands it to the model, that the prompt is masked
    (label -100) and exactly the assistant's reply is trained. A template whose markers are off
    would otherwise train the model to write letters, silently."""
    example = trainer.train_dataset[0]
    row = {"messages": example["messages"]}  # TRL keeps the column, and may have dropped rows before it
    batch = trainer.data_collator([example])
    ids = batch["input_ids"][0].tolist()
    labels = batch["labels"][0].tolist()
    trained = [i for i, label in enumerate(labels) if label != -100]
    trained_text = tokenizer.decode([ids[i] for i in trained])
    replies = [m["content"].strip() for m in row["messages"] if m["role"] == "assistant"]
    prompts = [m["content"].strip() for m in row["messages"] if m["role"] != "assistant" and m["content"].strip()]
    check = {
        "tokens": len(ids),
        "prompt_tokens": len(ids) - len(trained),
        "trained_tokens": len(trained),
        "first_trained_index": trained[0] if trained else None,
        "trained_text": trained_text,
        "masked_text_end": tokenizer.decode([t for t, label in zip(ids, labels, strict=True) if label == -100])[-200:],
    }
    if is_main_process():
        runconfig.write_json(out_dir / "label_check.json", check)
    problems = []
    if not trained:
        problems.append("no token of the first row is trained")
    elif any(labels[i] != ids[i] for i in trained):
        problems.append("trained labels differ from the input tokens")
    if trained and len(replies) == 1 and not trained_text.startswith(replies[0]):
        problems.append("the trained text does not start with the assistant's reply")
    if any(reply not in trained_text for reply in replies):
        problems.append("an assistant reply is not trained")
    if any(prompt in trained_text for prompt in prompts if len(prompt) > 20):
        problems.append("a system or user message is trained")
    if problems:
        raise SystemExit(f"train: the loss mask is wrong ({'; '.join(problems)}); see {out_dir / 'label_check.json'}")
    log(f"loss mask checked on the first row trained: {check['prompt_tokens']} prompt tokens masked, {check['trained_tokens']} reply tokens trained")


# ---------------------------------------------------------------------------------------------
# Checkpoints and metrics


def last_checkpoint(folder: Path) -> Path | None:
    """The newest checkpoint that was saved whole: trainer_state.json is the last file the Trainer
    writes, so a checkpoint cut short by a kill lacks it and the one before is used."""
    if not folder.is_dir():
        return None
    found = sorted(
        ((int(m.group(1)), p) for p in folder.iterdir() if (m := CHECKPOINT.match(p.name)) and p.is_dir()),
        reverse=True,
    )
    for _step, path in found:
        try:
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
            return path
        except (OSError, ValueError):
            log(f"skipping {path.name}: it was not saved whole")
    return None


def read_metrics(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass  # a line cut short by a kill
    return lines


def keep_metrics_until(path: Path, step: int) -> None:
    """Steps after the checkpoint being resumed are trained again; their old lines would repeat."""
    kept = [m for m in read_metrics(path) if isinstance(m.get("step"), int) and m["step"] <= step]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(m) + "\n" for m in kept), encoding="utf-8")
    os.replace(tmp, path)


def base_hashes(base_dir: Path, cache: Path) -> dict[str, Any]:
    """sha256 of each safetensors file of the base and one over them all: the lineage's "base
    checkpoint recorded at training". Cached by (name, size, mtime), so a resumed job does not
    read an 8B checkpoint's 16 GB again."""
    files = sorted(base_dir.glob("*.safetensors"))
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cached = {}
    hashes = {}
    for file in files:
        stat = file.stat()
        key = f"{file.name}:{stat.st_size}:{stat.st_mtime_ns}"
        hashes[file.name] = cached.get(key) or runconfig.sha256_file(file)
        cached[key] = hashes[file.name]
    runconfig.write_json(cache, cached)
    combined = hashlib.sha256("".join(f"{name}  {digest}\n" for name, digest in hashes.items()).encode()).hexdigest()
    return {"dir": str(base_dir), "sha256": combined, "safetensors": hashes}


# ---------------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    global training_started
    config = runconfig.from_argv(argv, "train")
    if config is None:
        return runconfig.EXIT_PREFLIGHT
    signal.signal(signal.SIGUSR1, on_stop_signal)
    signal.signal(signal.SIGTERM, on_stop_signal)

    out_dir = Path(config["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    base_dir = Path(config["base_dir"])
    started = time.time()

    import torch

    threads = config["threads"] or int(os.environ.get("SLURM_CPUS_PER_TASK", "0")) or os.cpu_count() or 1
    torch.set_num_threads(threads)

    import datasets
    import peft
    import transformers
    import trl
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, TrainerCallback
    from trl import SFTConfig, SFTTrainer

    transformers.set_seed(config["seed"])
    # Progress bars redraw with carriage returns: in a Slurm log they are one unreadable line.
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    cuda = torch.cuda.is_available()
    try:
        import bitsandbytes  # noqa: F401

        have_bnb = True
    except ImportError:
        have_bnb = False
    if config["quantization"] == "qlora" and not (cuda and have_bnb):
        raise SystemExit(f"train: quantization is qlora, but {'bitsandbytes does not import' if cuda else 'CUDA is not available'}")
    mode = "qlora" if config["quantization"] != "lora" and cuda and have_bnb else "lora"
    bf16 = cuda and torch.cuda.is_bf16_supported()
    dtype = torch.float32 if not cuda else torch.bfloat16 if bf16 else torch.float16
    device = torch.cuda.get_device_name(0) if cuda else f"cpu ({platform.processor() or platform.machine()}, {threads} threads)"
    log(
        f"{mode.upper()} on {device}: "
        + (f"4-bit NF4 base, double quantisation, {'bf16' if bf16 else 'fp16'} compute" if mode == "qlora" else f"{str(dtype).removeprefix('torch.')} base")
        + ("" if mode == "qlora" or config["quantization"] == "lora" else f" (no QLoRA: {'bitsandbytes does not import' if cuda else 'no CUDA'})")
    )

    rows = read_rows(config["train_file"])
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    template, why = choose_chat_template(tokenizer, rows)
    tokenizer.chat_template = template
    log(f"chat template: {why}")

    load_kwargs: dict[str, Any] = {"dtype": dtype}
    if mode == "qlora":
        from transformers import BitsAndBytesConfig

        load_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16,
            bnb_4bit_use_double_quant=True,
        )
        # Each process of a multi-GPU run holds its own copy on its own GPU.
        load_kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    model = AutoModelForCausalLM.from_pretrained(str(base_dir), **load_kwargs)
    if mode == "qlora":
        model = peft.prepare_model_for_kbit_training(model, use_gradient_checkpointing=config["gradient_checkpointing"])

    checkpoints = out_dir / "checkpoints"
    training_args = SFTConfig(
        output_dir=str(checkpoints),
        per_device_train_batch_size=config["per_device_batch_size"],
        gradient_accumulation_steps=config["gradient_accumulation_steps"],
        gradient_checkpointing=config["gradient_checkpointing"],
        learning_rate=config["learning_rate"],
        lr_scheduler_type=config["lr_scheduler_type"],
        warmup_steps=config["warmup_steps"],
        num_train_epochs=config["epochs"],
        max_steps=config["max_steps"] or -1,
        seed=config["seed"],
        data_seed=config["seed"],
        logging_steps=1,
        save_strategy="steps",
        save_steps=config["save_steps"],
        save_total_limit=config["save_total_limit"],
        # Older GPUs (V100, T4) have no bf16: fp16 mixed precision there, QLoRA included.
        bf16=bf16,
        fp16=cuda and not bf16,
        use_cpu=not cuda,
        max_length=config["max_length"],
        assistant_only_loss=True,
        packing=False,
        report_to="none",
        disable_tqdm=True,  # a progress bar is noise in a Slurm log; the step lines below say the same
        dataloader_num_workers=0,
    )

    class Metrics(TrainerCallback):
        """One JSON line per optimizer step, flushed at once: the app follows training by this file."""

        def __init__(self) -> None:
            self.last = time.monotonic()

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **_: Any) -> None:
            if not logs or "loss" not in logs or not state.is_world_process_zero:
                return
            line = {"step": state.global_step, "loss": logs["loss"], "learning_rate": logs.get("learning_rate"), "epoch": logs.get("epoch"), "time": time.time()}
            with open(out_dir / "metrics.jsonl", "a", encoding="utf-8") as file:
                file.write(json.dumps(line) + "\n")
                file.flush()
            now = time.monotonic()
            print(f"train: step {state.global_step}/{state.max_steps} loss {logs['loss']:.4f} lr {logs.get('learning_rate', 0):.3g} ({now - self.last:.2f} s)", flush=True)
            self.last = now

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if stop_requested(out_dir):
                control.should_save = True
                control.should_training_stop = True

    class ReplyLogitsTrainer(SFTTrainer):
        """Computes the vocabulary logits only from the first trained token on.

        The loss is on the reply alone, but a causal LM computes logits for every position: for a
        letter of 12k tokens and Llama 3's 128k vocabulary that is 1.5 G floats per row (6 GB in
        fp32), nearly all of them for the prompt and thrown away by the mask. Asking the model for
        the last K positions only (transformers' logits_to_keep) gives the same loss and gradients;
        measured here on the tiny model with the 1.2k-token extraction prompt, a forward and
        backward pass went from 3.2 s to 0.4 s.
        """

        def compute_loss(self, model: Any, inputs: dict[str, Any], return_outputs: bool = False, num_items_in_batch: Any = None) -> Any:
            labels = inputs["labels"]
            trained_columns = (labels != -100).any(dim=0).nonzero()
            if trained_columns.numel() == 0:
                return super().compute_loss(model, inputs, return_outputs=return_outputs, num_items_in_batch=num_items_in_batch)
            first = max(1, int(trained_columns[0]))
            keep = labels.shape[1] - first + 1
            forward = {key: value for key, value in inputs.items() if key in ("input_ids", "attention_mask", "position_ids")}
            outputs = model(**forward, use_cache=False, logits_to_keep=keep)
            # Position p predicts token p + 1: the kept logits from first - 1 predict labels from first.
            logits = outputs.logits[:, :-1, :].float()
            target = labels[:, first:].to(logits.device)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=-100, reduction="sum")
            if num_items_in_batch is None:
                loss = loss / (target != -100).sum().clamp(min=1)
            else:
                # As transformers does for a model taking loss kwargs: the sum over the tokens of the
                # whole accumulated batch (all devices when averaged across them), so accumulation
                # and several GPUs give the same loss as one large batch.
                loss = loss / num_items_in_batch
                if self.args.average_tokens_across_devices:
                    loss = loss * self.accelerator.num_processes
            return (loss, outputs) if return_outputs else loss

    trainer = ReplyLogitsTrainer(
        model=model,
        args=training_args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=LoraConfig(
            r=config["lora_rank"],
            lora_alpha=config["lora_alpha"],
            lora_dropout=config["lora_dropout"],
            target_modules=config["target_modules"],
            bias="none",
            task_type="CAUSAL_LM",
        ),
        callbacks=[Metrics()],
    )
    # Its dict per step repeats the step line Metrics prints.
    trainer.remove_callback(PrinterCallback)
    # TRL drops rows whose reply lies wholly beyond max_length (nothing left to train on).
    dropped = len(rows) - len(trainer.train_dataset)
    if len(trainer.train_dataset) == 0:
        raise SystemExit(f"train: every row's reply lies beyond max_length {config['max_length']}: nothing to train on")
    if dropped:
        log(f"{dropped} of {len(rows)} rows left out: their reply starts beyond max_length {config['max_length']}")
    at_limit = 0
    # In batches: the whole column of a large set as Python lists would take gigabytes.
    for batch in trainer.train_dataset.select_columns(["input_ids"]).iter(batch_size=256):
        at_limit += sum(1 for ids in batch["input_ids"] if len(ids) >= config["max_length"])
    if at_limit:
        log(f"{at_limit} of {len(rows)} rows reach max_length {config['max_length']} and are cut there: the end of their replies is not trained")
    check_labels(trainer, tokenizer, out_dir)

    resume = last_checkpoint(checkpoints)
    resumed_from = 0
    if resume is not None:
        resumed_from = int(CHECKPOINT.match(resume.name).group(1))  # type: ignore[union-attr]
        log(f"resuming from {resume.name} (step {resumed_from})")
        if is_main_process():
            keep_metrics_until(out_dir / "metrics.jsonl", resumed_from)
    elif is_main_process():
        (out_dir / "metrics.jsonl").unlink(missing_ok=True)  # a fresh start: old lines belong to another run

    base = base_hashes(base_dir, out_dir / "base_sha256_cache.json") if is_main_process() else None
    training_started = True
    train_started = time.time()
    trainer.train(resume_from_checkpoint=str(resume) if resume is not None else None)
    train_seconds = time.time() - train_started
    step = trainer.state.global_step

    # Training ends before max_steps only on a stop request (all ranks agreed on it); a request
    # that came after the last step changes nothing: the job is complete.
    if step < trainer.state.max_steps:
        if is_main_process():
            # For run.sh: accelerate's launcher reports a worker's exit 75 as its own failure (1).
            (out_dir / "stopped").write_text(f"{step}\n", encoding="utf-8")
        log(f"stopped on request ({', '.join(stop_signal) or 'stop-requested'}) at step {step}; checkpoint-{step} is saved and the same command goes on from it")
        return runconfig.EXIT_REQUEUE

    if not is_main_process():
        return 0
    adapter_dir = out_dir / "adapter"
    trainer.model.save_pretrained(str(adapter_dir))
    metrics = read_metrics(out_dir / "metrics.jsonl")
    losses = [m["loss"] for m in metrics if isinstance(m.get("loss"), (int, float))]
    runconfig.write_json(
        out_dir / "result.json",
        {
            "steps": step,
            "resumed_from_step": resumed_from,
            "first_loss": losses[0] if losses else None,
            "last_loss": losses[-1] if losses else None,
            "train_seconds": round(train_seconds, 3),
            "seconds_since_start": round(time.time() - started, 3),
            "mode": mode,
            "dtype": "nf4+" + ("bf16" if bf16 else "fp16") if mode == "qlora" else str(dtype).removeprefix("torch."),
            "device": device,
            "num_gpus": config["num_gpus"],
            "rows": len(rows),
            "base_checkpoint_sha256": base["sha256"] if base else None,
            "base": base,
            "chat_template": why,
            "recipe": {key: config[key] for key in runconfig.DEFAULTS if key not in ("base_dir", "train_file", "out_dir", "dataset_sha256", "lineage", "merge", "llama_quantize", "min_free_gb")},
            "dataset_sha256": config["dataset_sha256"],
            "bundle": runconfig.bundle_info(),
            "versions": {
                "python": platform.python_version(),
                "torch": torch.__version__,
                "transformers": transformers.__version__,
                "peft": peft.__version__,
                "trl": trl.__version__,
            },
            "lineage": config["lineage"],
            "adapter_dir": str(adapter_dir),
            "finished_at": time.time(),
        },
    )
    log(f"adapter saved to {adapter_dir}; {step} steps, loss {losses[0] if losses else float('nan'):.4f} -> {losses[-1] if losses else float('nan'):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
