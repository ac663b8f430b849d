"""landinfo: an offline assistant over country-of-origin information and migration case law.

The public surface is below (README, "As a library"); each name is imported on first use, so `import landinfo`
loads no model, index or web library.
"""
import importlib as _importlib
import os as _os

# Nothing leaves the machine: no telemetry, no analytics, no model hub. Set before the heavy imports.
for _name, _value in {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    # ONNX Runtime (1.29+) sends usage events to Microsoft from Linux too, and keeps a device id on disk, unless one
    # of these is set before it loads: the first name per its 1.29 release, the second since its 1.32 fix
    "ORT_DISABLE_TELEMETRY": "1",
    "ORT_TELEMETRY_DISABLED": "1",
}.items():
    _os.environ.setdefault(_name, _value)

_PUBLIC = {  # name -> the module it lives in
    "Answer": "answer.types",
    "Assistant": "answer.assistant",
    "Filters": "records",
    "LandinfoError": "errors",
    "Passage": "records",
    "Settings": "settings",
    "ingest": "ingest",  # the module, callable as the function: ingest(folder, settings, prune=False)
    "Chunk": "records",
    "DocMeta": "records",
    "Document": "records",
    "Unit": "records",
}
__all__ = sorted(_PUBLIC)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'landinfo' has no attribute {name!r}")
    module = _importlib.import_module(f".{_PUBLIC[name]}", __name__)
    value = module if name == _PUBLIC[name] else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
