"""The training loss with the language-model head applied only at the supervised positions.

The full logits of a batch of 8 x 512 tokens over a 49k-token vocabulary are 0.8 GB in float32; the loss
only needs them where a label is set (the answer tokens), so :func:`selective_lm_loss` computes the head
there alone, and :func:`_selective_head_trainer` is the ``Trainer`` that uses it (``train_lora``'s
``selective_head=True``, the default). Measured in ``bench/bench_dtype.py``.
"""

from __future__ import annotations


def selective_lm_loss(model, inputs: dict, num_items_in_batch=None):
    """Causal-LM cross-entropy with the LM head applied only where a label is set (``labels != -100``).

    ``model`` is a causal LM or a peft model around one. Its body (``get_base_model().model`` for
    Llama-style models: embeddings, decoder blocks, final norm) gives the hidden states; they are shifted
    against the labels as in ``ForCausalLMLoss``, the positions whose next token is supervised are picked,
    and only those go through ``lm_head``. Summed in float32 and divided by ``num_items_in_batch`` (the
    ``Trainer``'s count of supervised tokens over the whole accumulated batch) or, without it, by this
    batch's count: the standard loss, to within float rounding. A batch with no supervised token gives
    a loss of 0 (the standard path gives NaN).
    """
    import torch
    import torch.nn.functional as F

    causal_lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    body = getattr(causal_lm, causal_lm.base_model_prefix)
    head = causal_lm.get_output_embeddings()
    labels = inputs["labels"]
    body_inputs = {k: v for k, v in inputs.items() if k != "labels"}
    hidden = body(**body_inputs, use_cache=False).last_hidden_state
    targets = labels[:, 1:]
    keep = targets != -100
    logits = head(hidden[:, :-1][keep]).float()
    loss = F.cross_entropy(logits, targets[keep], reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else keep.sum()
    if torch.is_tensor(count):
        count = count.to(loss.device)
        return loss / torch.clamp(count, min=1)
    return loss / max(int(count), 1)


def _selective_head_trainer():
    """A ``Trainer`` whose loss is :func:`selective_lm_loss` (everything else as the ``Trainer`` does it)."""
    from transformers import Trainer

    class SelectiveHeadTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if return_outputs or "labels" not in inputs or self.label_smoother is not None \
                    or self.compute_loss_func is not None:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            # accelerate puts autocast around model.forward; this path calls the body directly, so enter it here
            with self.accelerator.autocast():
                loss = selective_lm_loss(self.accelerator.unwrap_model(model), inputs,
                                         num_items_in_batch if self.model_accepts_loss_kwargs else None)
            if self.args.average_tokens_across_devices and self.model_accepts_loss_kwargs \
                    and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # as Trainer.compute_loss does
            return loss

    return SelectiveHeadTrainer
