"""``ragft finetune DATA.jsonl --output ADAPTER_DIR``: LoRA fine-tuning from the command line."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..errors import UsageError
from .train import DEFAULTS

#: the largest values `ragft finetune` accepts: beyond them a run diverges (an lr of inf trained an adapter that
#: answers ""), takes days, or allocates adapters wider than the layers they adapt
MAX_LR = 1.0
MAX_EPOCHS = 1000
MAX_RANK = 256


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "finetune",
        help="LoRA fine-tune the generator on a JSONL file",
        description="LoRA fine-tune the course generator on a JSONL file of "
                    '{"question", "answer"} or {"messages": [...]} lines, and save the adapter. '
                    "Use it with `ragft ask --adapter ADAPTER_DIR`.",
    )
    p.add_argument("data", type=Path, metavar="DATA.jsonl", help="training examples, one JSON object a line")
    p.add_argument("--output", "-o", type=Path, required=True, metavar="ADAPTER_DIR",
                   help="folder to write the adapter to (must not exist, unless --force)")
    p.add_argument("--epochs", type=float, default=DEFAULTS["epochs"], help="passes over the data (default %(default)s)")
    p.add_argument("--lr", type=float, default=DEFAULTS["lr"], help="learning rate (default %(default)s)")
    p.add_argument("--rank", type=int, default=DEFAULTS["rank"], help="LoRA rank r (default %(default)s)")
    p.add_argument("--alpha", type=int, default=None, help="LoRA alpha (default: 2 x rank)")
    p.add_argument("--batch-size", type=int, default=DEFAULTS["batch_size"], help="examples per step (default %(default)s)")
    p.add_argument("--all-linear", action="store_true",
                   help="adapt every linear layer (attention and MLP) instead of q_proj/v_proj only")
    p.add_argument("--system", default=None, help="system prompt added to every example (use the same one when asking)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default %(default)s)")
    p.add_argument("--force", action="store_true", help="replace ADAPTER_DIR if it already exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .data import load_training_data
    from .train import ALL_LINEAR, DEFAULT_TARGET_MODULES, train_lora

    if not math.isfinite(args.epochs) or args.epochs <= 0 or args.epochs > MAX_EPOCHS:
        raise UsageError(f"--epochs must be positive, finite and at most {MAX_EPOCHS}, got {args.epochs} "
                         f"(default {DEFAULTS['epochs']:g})")
    if not math.isfinite(args.lr) or args.lr <= 0 or args.lr > MAX_LR:
        raise UsageError(f"--lr must be positive, finite and at most {MAX_LR:g}, got {args.lr} "
                         f"(default {DEFAULTS['lr']:g}; LoRA learning rates are around 1e-4 to 1e-2)")
    if args.rank < 1 or args.batch_size < 1:
        raise UsageError("--rank and --batch-size must be at least 1")
    if args.rank > MAX_RANK:
        raise UsageError(f"--rank must be at most {MAX_RANK}, got {args.rank} (default {DEFAULTS['rank']}; a rank above "
                         "the width of the adapted layers adds parameters and nothing else)")
    out: Path = args.output
    # the output-folder rule (ragft.outputs), checked before anything is trained: --force replaces an adapter
    # folder and nothing else (never ., ~, a folder of other files or the folder of the training data)
    from ..outputs import check_output
    from .train import ADAPTER_OUTPUT

    check_output(out, ADAPTER_OUTPUT, replace=args.force, option="--output", protect=[(args.data, "the training data")])
    examples = load_training_data(args.data)  # raises TrainingDataError (a UsageError) naming file:line
    print(f"training on {len(examples)} examples from {args.data}")
    result = train_lora(
        examples,
        output_dir=out,
        epochs=args.epochs,
        lr=args.lr,
        rank=args.rank,
        alpha=args.alpha if args.alpha is not None else 2 * args.rank,
        target_modules=ALL_LINEAR if args.all_linear else DEFAULT_TARGET_MODULES,
        batch_size=args.batch_size,
        system=args.system,
        seed=args.seed,
        overwrite=args.force,
        progress=not args.quiet,
    )
    print(f"trainable parameters: {result.trainable_params:,} of {result.total_params:,} "
          f"({result.trainable_percent:.2f}%)")
    print(f"training time:        {result.seconds:.1f} s ({result.steps} steps)")
    print(f"final loss:           {result.final_loss:.4f}")
    print(f"adapter:              {result.adapter_dir} ({result.adapter_mb:.1f} MB)")
    if result.training_prompt is not None:
        print(f"training prompt:      {result.training_prompt.describe()}; `ragft ask --adapter` asks the same way")
    print(f"try it:               ragft ask --adapter {result.adapter_dir} \"<your question>\"")
    return 0
