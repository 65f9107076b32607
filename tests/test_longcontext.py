"""The long-context baseline (ragft.longcontext): packing whole documents into the context, and answering
from a reused prefix cache exactly as a fresh prompt would."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ragft import longcontext


class WordTokenizer:
    """One token per word; a chat template that wraps the user turn in markers."""

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [hash(w) % 1000 for w in text.split()]}

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=True):
        return " ".join(f"<{m['role']}> {m['content']} </{m['role']}>" for m in messages) + " <assistant>"


def _docs(n, words=50):
    return [SimpleNamespace(id=f"d{i:02d}", title=f"Doc {i}", text=" ".join(["word"] * words)) for i in range(n)]


def test_pack_takes_whole_documents_in_id_order_while_they_fit():
    tok = WordTokenizer()
    docs = _docs(10)[::-1]  # given out of order
    packed = longcontext.pack(docs, tok, limit=400, reserve=50)
    assert packed.doc_ids == sorted(packed.doc_ids) and packed.doc_ids[0] == "d00"
    assert 0 < len(packed.doc_ids) < 10 and packed.prefix_tokens <= 350
    # the most that fit: with one more document the prompt would pass the budget
    n = len(packed.doc_ids)
    assert longcontext.pack(sorted(docs, key=lambda d: d.id)[:n + 1], tok, limit=10_000).prefix_tokens > 350
    assert len(longcontext.pack(docs, tok, limit=460, reserve=50).doc_ids) > n  # more room, more documents
    assert packed.kb_docs == 10 and packed.kb_tokens > 10 * 50
    assert packed.suffix_text.strip().startswith("</user>")  # the question goes between prefix and suffix
    everything = longcontext.pack(docs, tok, limit=10_000)
    assert len(everything.doc_ids) == 10


def test_pack_refuses_a_context_with_no_room():
    with pytest.raises(ValueError, match="no room"):
        longcontext.pack(_docs(2), WordTokenizer(), limit=100, reserve=128)


@pytest.mark.slow
def test_answers_from_the_reused_prefix_match_a_fresh_prompt(tmp_path, monkeypatch):
    """The prefix cache is cropped back after each question: a question's answer does not depend on the
    questions before it, and equals greedy decoding of the whole prompt from scratch."""
    import torch

    from ragft import data, models

    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(longcontext, "_PREFILLED", {})
    model, tok = models.load_generator(progress=False)
    kb = data.load_kb("v1")[:6]
    qs = [q for q in data.load_questions("test_unseen") if set(q.doc_ids) & {d.id for d in kb}][:2]
    qs = qs or data.load_questions("test_unseen")[:2]
    run = longcontext.answer(qs, kb, model=model, tokenizer=tok, max_new_tokens=12, limit=1500, progress=False)
    assert len(run.answers) == len(qs) and not run.cached
    packed = run.packed
    for q, got in zip(qs, run.answers):
        ids = torch.tensor([packed.prefix_ids + tok(q.question + packed.suffix_text, add_special_tokens=False)["input_ids"]])
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False,
                             pad_token_id=tok.eos_token_id)
        fresh = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()
        assert got == fresh, (q.question, got, fresh)
    again = longcontext.answer(qs, kb, model=model, tokenizer=tok, max_new_tokens=12, limit=1500, progress=False)
    assert again.cached and again.answers == run.answers
