"""Where the chunks are kept and searched: Chroma's collections (`chroma`), the compact per-chunk arrays and corpus
summary every serving instance holds (`chunk_table`), and the seam the retriever searches through (`backend`)."""
from .chroma import (IndexShape, VectorIndex, chunk_metadata, country_key, date_number, read_generation,
                     to_passage, until_number, where_clause)

__all__ = ["IndexShape", "VectorIndex", "chunk_metadata", "country_key", "date_number", "read_generation",
           "to_passage", "until_number", "where_clause"]
