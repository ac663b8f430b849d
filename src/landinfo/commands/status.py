"""landinfo status [--json]"""
from __future__ import annotations

import json


def register(p) -> None:
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    from ..store import Store

    from ..boilerplate import Boilerplate, marked

    store = Store.open(settings)
    status = store.status()
    texts, metas = [], []
    for _, text, meta in store.index.iter_all():
        texts.append(text)
        metas.append(meta)
    store.close()
    navigation, templates = marked(texts, Boilerplate.from_chunks(texts, metas))
    status["boilerplate"] = {"navigation_sentences": navigation, "template_sentences": templates}
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    print(f"{status['documents']} documents, {status['chunks']} chunks ({status['duplicates']} duplicate files "
          f"not indexed twice); model {status['embedding_model']}; {status['index_bytes'] / 1e6:.1f} MB in "
          f"{status['index_dir']}")
    vectors = status["sentence_vectors"]
    missing = status["chunks"] - vectors["chunks"]
    print(f"sentence vectors: {vectors['sentences']} quotable sentences of {vectors['chunks']} chunks, "
          f"{vectors['bytes'] / 1e6:.1f} MB" + (f"; {missing} chunks have none stored (embedded at question time "
                                                "until `landinfo ingest` runs again)" if missing > 0 else ""))
    print(f"never quoted: {templates} template sentences of publishers, {navigation} navigation sentences")
    first, last = status["date_range"]
    print(f"dates: {first} .. {last}")
    for label in ("by_type", "by_language", "by_country"):
        items = ", ".join(f"{k} {v}" for k, v in status[label].items())
        print(f"{label.replace('by_', '')}: {items}")
    return 0
