"""Turn the converted multilingual-e5-small (e5convert's folder) into an ONNX Runtime model, fp32 or int8.

    python -m landinfo.onnx_convert fp32|int8 [cache_dir]

The folder `cache_dir/multilingual-e5-small-onnx-<precision>` holds model.onnx (the BERT encoder:
input_ids, attention_mask -> last_hidden_state, batch and sequence axes dynamic), the source folder's
tokenizer.json and config.json, and a stamp. Pooling and normalising happen in onnx_embedder.py.

int8 is dynamic quantisation of the MatMul weights only, per output channel: per-tensor int8 cost 1.4
recall points on our questions; per channel keeps the vectors at cosine >= 0.99 to fp32's.
"""
from __future__ import annotations

import shutil
import sys
import warnings
from importlib import metadata
from pathlib import Path

from .e5convert import ensure_e5_model
from .errors import ModelUnavailableError
from .model_cache import ensure_stamped_folder, read_stamp

PRECISIONS = ("fp32", "int8")
MODEL_FILE = "model.onnx"
COPIED_FILES = ("tokenizer.json", "config.json")  # all the embedder reads besides the model
# Bump when the folder this module writes changes, so existing conversions are redone.
CONVERTER_VERSION = 1
OPSET = 17


def folder_name(precision: str) -> str:
    return f"multilingual-e5-small-onnx-{precision}"


def export_encoder(source: Path, target: Path) -> None:
    """Export the BERT encoder in the sentence-transformers folder `source` to the ONNX file `target`."""
    import torch
    from transformers import BertModel

    model = BertModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager",
                                      dtype=torch.float32).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.int64)
    # The tracer warns of shape checks it fixes at the example's shapes; in BERT they hold for every shape
    # (the tests compare other batch and sequence sizes with torch).
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model), (example, example), str(target), dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "last_hidden_state": {0: "batch", 1: "sequence"}},
        )


def quantize_int8(source: Path, target: Path) -> None:
    """Dynamic int8: MatMul weights per output channel, activations quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), op_types_to_quantize=["MatMul"], per_channel=True,
                     weight_type=QuantType.QInt8)


def write_onnx_folder(source: Path, precision: str, folder: Path) -> None:
    """Write model.onnx and the tokenizer files for `precision` into the existing empty `folder`."""
    if precision == "fp32":
        export_encoder(source, folder / MODEL_FILE)
    else:
        exported = folder / "fp32.onnx"
        export_encoder(source, exported)
        quantize_int8(exported, folder / MODEL_FILE)
        exported.unlink()
    for name in COPIED_FILES:
        shutil.copyfile(source / name, folder / name)


def ensure_onnx_model(cache_dir: Path, precision: str) -> Path:
    """Path of a ready folder `cache_dir/multilingual-e5-small-onnx-<precision>`, converted from e5convert's
    folder (made first when missing) when missing or made from another source, converter, torch, onnx or
    onnxruntime."""
    if precision not in PRECISIONS:
        raise ModelUnavailableError(f"ONNX precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
    source = ensure_e5_model(Path(cache_dir))
    stamp = {"source_stamp": read_stamp(source), "precision": precision, "converter_version": CONVERTER_VERSION,
             **{f"{package}_version": metadata.version(package) for package in ("torch", "onnx", "onnxruntime")}}
    return ensure_stamped_folder(Path(cache_dir) / folder_name(precision), stamp,
                                 lambda folder: write_onnx_folder(source, precision, folder))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2 or args[0] not in PRECISIONS:
        print("usage: python -m landinfo.onnx_convert fp32|int8 [cache_dir]", file=sys.stderr)
        return 2
    if len(args) == 2:
        cache_dir = Path(args[1])
    else:
        from .settings import Settings
        cache_dir = Settings().model_cache_dir
    try:
        print(ensure_onnx_model(cache_dir, args[0]))
    except ModelUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
