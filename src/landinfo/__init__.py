"""landinfo: an offline assistant over country-of-origin information and migration case law."""
import os as _os

# Nothing leaves the machine: no telemetry, no analytics, no model hub. Set before the heavy imports.
for _name, _value in {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_name, _value)

from .errors import LandinfoError  # noqa: E402
from .records import Chunk, DocMeta, Document, Passage, Unit  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = ["Chunk", "DocMeta", "Document", "LandinfoError", "Passage", "Settings", "Unit"]
__version__ = "0.1.0"
