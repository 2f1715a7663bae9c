"""The word-vector lookup rewritten at load (`bot.core.matching.model_graph`): the pinned model
gives the same vectors to the last bit, and a graph without the pattern is left alone."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

from bot.core.matching.embedding import default_model_path
from bot.core.matching.model_graph import _messages, lookup_before_dequantize

TEXTS = ["ml pay", "how much do machine learning engineers earn in the united states",
         "¿qué hace un ingeniero de aprendizaje automático?", "[UNK] 42 %"]


@pytest.fixture(scope="module")
def pinned() -> bytes:
    return default_model_path().read_bytes()


def _session(model: bytes) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(model, sess_options=options,
                                        providers=["CPUExecutionProvider"])


def _token_vectors(session, embedder, texts: list[str]) -> np.ndarray:
    encodings = embedder._tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.array([e.attention_mask for e in encodings]),
            "token_type_ids": np.zeros_like(ids)}
    return session.run(None, feed)[0]


def test_the_rewritten_model_gives_the_same_outputs_to_the_last_bit(pinned, embedder):
    rewritten = lookup_before_dequantize(pinned)
    assert rewritten is not None and rewritten != pinned
    as_filed, as_loaded = _session(pinned), _session(rewritten)
    for batch in ([text] for text in TEXTS):
        assert np.array_equal(_token_vectors(as_filed, embedder, batch),
                              _token_vectors(as_loaded, embedder, batch))
    padded = _token_vectors(as_filed, embedder, TEXTS)
    assert np.array_equal(padded, _token_vectors(as_loaded, embedder, TEXTS))


def test_the_table_is_looked_up_int8_and_every_other_field_is_kept(pinned):
    model_class, _ = _messages()
    before = model_class.FromString(pinned)
    after = model_class.FromString(lookup_before_dequantize(pinned))
    ops = [node.op_type for node in after.graph.node]
    # for the word and the position tables: Cast, Mul, Gather -> Gather, Gather, Cast, Mul
    assert len(ops) == len(before.graph.node) + 2
    tables = {n.input[0] for n in after.graph.node if n.name.endswith("_gather")}
    assert tables == {"inner.embeddings.word_embeddings.weight_q",  # the int8 tables
                      "inner.embeddings.position_embeddings.weight_q"}
    # the fields the schema does not name (weights, opsets, inputs...) are carried unchanged
    assert after.graph.initializer[0].SerializeToString() == \
        before.graph.initializer[0].SerializeToString()
    assert len(after.SerializeToString()) - len(pinned) < 1000


def test_a_graph_without_the_pattern_is_left_as_it_is(pinned):
    once = lookup_before_dequantize(pinned)
    assert lookup_before_dequantize(once) is None  # the tables: already looked up int8
    model_class, _ = _messages()
    assert lookup_before_dequantize(model_class().SerializeToString()) is None
