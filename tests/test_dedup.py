import random
import time

import pytest

from landinfo.dedup import DuplicateGroup, group_duplicates
from landinfo.metadata import detect_meta
from landinfo.records import DocMeta
from raw_reading import CORPUS, read_raw

WORDS = ("asyl skydd klaganden migrationsverket domstolen utvisning hemlandet risk tortyr förföljelse "
         "berättelse trovärdighet uppgifter bedömning myndigheterna säkerhet situationen beslut prövning "
         "medborgare familj barn hälsa vård behandling skäl omständigheter rätt lag artikel konvention").split()


def prose(seed: int, words: int = 900) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(words))


def judgment(mig: str = "MIG 2013:6", case: str = "UM 7533-12") -> DocMeta:
    return DocMeta(title=mig, doc_type="precedent", references=(mig, case))


def test_one_judgment_in_three_formats_is_one_group_with_the_text_file_canonical():
    body = prose(1)
    docs = [
        ("originals/UM7533-12.docx", judgment(), "Migrationsöverdomstolen\tMIG 2013:6\nMålnummer:\tUM7533-12\n" + body),
        ("mig/MIG_2013-6.txt", judgment(), "MIG 2013:6 (Migrationsöverdomstolen, mål UM 7533-12)\n\n" + body),
        ("originals/UM7533-12.xhtml", judgment(), body.replace(" asyl ", " Asyl ")),
    ]
    [group] = group_duplicates(docs)
    assert group.canonical == "mig/MIG_2013-6.txt"
    assert group.duplicates == ("originals/UM7533-12.docx", "originals/UM7533-12.xhtml")
    assert "MIG 2013:6" in group.reason


def test_an_abridged_copy_is_a_duplicate_but_never_the_canonical_one():
    body = prose(2)
    abridged = " ".join(body.split()[:300])
    docs = [("mig/MIG_2013-4.txt", judgment("MIG 2013:4", "UM 8680-11"), abridged),
            ("originals/UM8680-11.xhtml", judgment("MIG 2013:4", "UM 8680-11"), body)]
    [group] = group_duplicates(docs)
    assert group.canonical == "originals/UM8680-11.xhtml"
    assert group.duplicates == ("mig/MIG_2013-4.txt",)
    assert "abridged" in group.reason


def test_sharing_a_mig_number_is_not_enough_when_the_texts_differ():
    docs = [("mig/MIG_2013-6.txt", judgment(), prose(3)),
            ("commentary/on-mig-2013-6.md", judgment(), prose(4))]
    assert group_duplicates(docs) == []


def test_identical_texts_without_references_are_copies_and_the_pdf_is_not_canonical():
    body = prose(5)
    docs = [("coi/report.pdf", DocMeta(), body), ("coi/report.md", DocMeta(), body + " slut"),
            ("coi/other.md", DocMeta(), prose(6))]
    assert group_duplicates(docs) == [DuplicateGroup("coi/report.md", ("coi/report.pdf",), "near-identical text (1.00)")]


def test_boilerplate_summaries_of_different_cases_stay_apart():
    boilerplate = ("FN:s CAT-kommitté har i ett yttrande prövat Sveriges efterlevnad av FN:s konvention mot tortyr "
                   "(CAT). Regeringen publicerar en länk till yttrandet i fulltext samt en sammanfattning av "
                   "yttrandet. Sammanfattning av yttrandet. Klagomålet avvisades av kommittén. ") * 3
    docs = [("a.md", DocMeta(references=("A.G. mot Sverige",)), boilerplate),
            ("b.md", DocMeta(references=("A.R. mot Sverige",)), boilerplate)]
    assert group_duplicates(docs) == []


def test_short_texts_are_never_judged_copies_on_text_alone():
    docs = [("a.md", DocMeta(), "Förvärv av stöldgods i god tro"), ("b.md", DocMeta(), "Förvärv av stöldgods i god tro")]
    assert group_duplicates(docs) == []


def test_a_corpus_of_420_documents_is_grouped_quickly():
    docs = [(f"doc{i:03d}.md", DocMeta(), prose(100 + i, 1500)) for i in range(420)]
    docs.append(("copy.pdf", DocMeta(), docs[17][2]))
    started = time.perf_counter()
    groups = group_duplicates(docs)
    elapsed = time.perf_counter() - started
    assert [(g.canonical, g.duplicates) for g in groups] == [("doc017.md", ("copy.pdf",))]
    assert elapsed < 20  # ~2 s here; comparing all 88,000 pairs shingle by shingle takes minutes


@pytest.mark.shared
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_the_real_corpus_has_exactly_the_three_judgments_in_several_formats():
    """Every text-format file (the treaty PDFs have no copies and take long to read)."""
    docs = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix in (".md", ".txt", ".docx", ".xhtml") and path.parent != CORPUS:
            rel = path.relative_to(CORPUS).as_posix()
            raw = read_raw(path)
            docs.append((rel, detect_meta(raw, rel), "\n\n".join(u.text for u in raw.units)))
    groups = {(g.canonical, g.duplicates) for g in group_duplicates(docs)}
    assert len(docs) > 400
    assert groups == {
        ("case-law/mig/MIG_2009-30_UM7867-08.txt", ("case-law/mig-originals/UM7867-08.xhtml",)),
        ("case-law/mig/MIG_2013-4_UM8680-11.txt", ("case-law/mig-originals/UM8680-11.xhtml",)),
        ("case-law/mig/MIG_2013-6_UM7533-12.txt",
         ("case-law/mig-originals/UM7533-12.docx", "case-law/mig-originals/UM7533-12.xhtml")),
    }
