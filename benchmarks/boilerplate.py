"""The sentences an index marks as boilerplate (templates of a publisher, navigation), to check by eye that the
rule takes no answer away: each template with its publisher and how many of the publisher's documents hold it.

    python benchmarks/boilerplate.py --index-dir indexes/test-shared [--share 0.6]
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from landinfo import tuning
from landinfo.boilerplate import Boilerplate, is_navigation, marked, template_key
from landinfo.sentences import split_sentences
from landinfo.store import Store
from landinfo.settings import Settings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--share", type=float, default=tuning.TEMPLATE_SHARE)
    args = parser.parse_args(argv)
    tuning.TEMPLATE_SHARE = args.share
    store = Store.open(Settings(index_dir=Path(args.index_dir)))
    rows = list(store.index.iter_all())
    store.close()
    texts, metas = [r[1] for r in rows], [r[2] for r in rows]
    found = Boilerplate.from_chunks(texts, metas)
    examples: dict[str, tuple[str, str]] = {}
    docs: Counter = Counter()
    counted = set()
    for text, meta in zip(texts, metas):
        for start, end in split_sentences(text):
            sentence = text[start:end]
            key = template_key(sentence)
            if key in found.templates and not is_navigation(sentence):
                examples.setdefault(key, (meta.get("publisher", ""), sentence))
                if (meta.get("doc_id"), key) not in counted:
                    counted.add((meta.get("doc_id"), key))
                    docs[key] += 1
    navigation, templates = marked(texts, found)
    print(f"share {args.share}: {len(found.templates)} templates, {templates} template sentences, "
          f"{navigation} navigation sentences in {len(texts)} chunks")
    for key, (publisher, sentence) in sorted(examples.items(), key=lambda kv: -docs[kv[0]]):
        print(f"{docs[key]:3d} docs  {publisher[:30]:30s}  {sentence[:150]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
