"""Every tuned weight and threshold of retrieval and answering, with what chose it.

Each number names the commit that introduced it (found with `git log -S`), its date, and the benchmark and question
set that chose it. All were set on 2026-11-22 against `evals/dev.yaml` as it then stood (79 questions, 71 of them
answerable; the set grew to 179 questions on 2026-11-30) and checked on the held-out `evals/reference.yaml`
(82 questions); figures are in benchmarks/RESULTS.md. "Hand-set" means the commit recorded no measurement of that
number alone: it was chosen when the code was written, and has been measured since only as part of the whole
pipeline (`landinfo eval`). Change one only with a benchmark run on dev and a check on the held-out set.
"""
from __future__ import annotations

from dataclasses import dataclass

# --- Answering (answer/) -----------------------------------------------------------------

# Below this evidence (the best sentence's match to the question) the answer says the sources do not answer.
# 391ac4b, 2026-11-22: benchmarks/calibrate_refusal.py on evals/dev.yaml (79 questions): the lowest evidence of an
# answerable question was 0.861; b28bc75 had set 0.80 by hand. LANDINFO_REFUSAL_THRESHOLD overrides it.
MIN_EVIDENCE = 0.855
# A question naming a decision, article or section among the first passages found is answered from less evidence.
# 68287a2, 2026-11-22, hand-set ("what was the outcome of <case>" answered from the judgment's holding).
NAMED_DOCUMENT_EVIDENCE_DISCOUNT = 0.05

# How many of the retrieved passages the answerers read. b28bc75, 2026-11-22, hand-set.
ANSWER_PASSAGES = 6
# At most this many quoted sentences in an answer. b28bc75, 2026-11-22, hand-set.
MAX_SENTENCES = 5
# Sentences kept after the cheap word-overlap pass, to be embedded and compared with the question.
# e6c0ed2, 2026-11-22, hand-set.
SHORTLIST = 24
# A quotable sentence has MIN_QUOTE_WORDS to MAX_QUOTE_WORDS words; the first SENTENCES_PER_PASSAGE sentences of
# each passage are read. b28bc75, 2026-11-22, hand-set.
MIN_QUOTE_WORDS = 4
MAX_QUOTE_WORDS = 90
SENTENCES_PER_PASSAGE = 24
# A line without closing punctuation and under this many words is a heading, never quoted.
# 391ac4b, 2026-11-22, hand-set ("no quotes cut at header lines").
HEADING_MAX_WORDS = 30

# A sentence's score: its cosine with the question, plus these. The rank prior of the k-th passage (0-based) is
# 1 / (1 + RANK_DECAY * k). b28bc75, 2026-11-22, hand-set: RANK_DECAY, OVERLAP_WEIGHT, PRIOR_WEIGHT, and
# SHORTLIST_PRIOR (the prior's weight against word overlap when shortlisting).
RANK_DECAY = 0.15
SHORTLIST_PRIOR = 0.5
OVERLAP_WEIGHT = 0.08  # times the share of the question's words in the sentence
PRIOR_WEIGHT = 0.02  # times the rank prior
# A judgment's holding ("Rubrik:", "Domslut"). 68287a2, 2026-11-22, hand-set.
HOLDING_BONUS = 0.02
# A sentence in the other language than the question's. 391ac4b, 2026-11-22: measured on evals/dev.yaml, the model
# scores a cross-lingual answer ~0.03-0.05 lower than a same-language one.
CROSS_LINGUAL_OFFSET = 0.03
# A sentence of the article or section the question names, and (times 1 / (1 + its place in that passage)) the
# article's opening sentences. caa98db, 2026-11-22: chosen on held-out failures, then measured on evals/dev.yaml
# (citation precision 0.73 -> 0.79) and evals/reference.yaml (refusal accuracy 0.85 -> 0.89, key points
# 0.61 -> 0.65, citation recall 0.79 -> 0.82).
NAMED_PASSAGE_BONUS = 0.05
OPENING_BONUS = 0.03

# Quoted: every sentence scoring within ANSWER_WINDOW of the best (and above the threshold).
# b28bc75, 2026-11-22, hand-set.
ANSWER_WINDOW = 0.06
# The figure or date a question asks for must be in the best UNMET_TOP sentences scoring within UNMET_WINDOW of the
# best (answer.checks.missing_figure). 2a0c444, 2026-11-22, hand-set.
UNMET_TOP = 3
UNMET_WINDOW = 0.03
# Two sentences sharing more than this share of the shorter one's words: only the first is quoted.
# b28bc75, 2026-11-22, hand-set.
NEAR_DUPLICATE = 0.8
# A sentence a language model wrote must have this share of its words (stemmed) in the passages it cites.
# 86bfaf9, 2026-11-22, hand-set.
GROUNDED_SHARE = 0.75


# --- Retrieval (retrieve.py) -------------------------------------------------------------------------------------

# How widely Chroma's HNSW searches (its default is 100). Issue #25, 2026-12-07: the 60 nearest chunks of each
# language for the 77 questions of evals/reference-officer.yaml on the shared corpus held 0.93 (sv) and 0.96 (en) of
# the exact 60 at 100, 0.996 and 1.0 at 400; the time of one search of 37k chunks went up ~2 ms. Set when an ingest
# makes or opens a collection.
HNSW_EF_SEARCH = 400

@dataclass(frozen=True)
class Weights:
    """Fusion and re-scoring weights, tuned with benchmarks/retrieval.py on evals/dev.yaml (71 answerable
    questions, 2026-11-22) and checked on evals/reference.yaml; benchmarks/RESULTS.md has the figures."""

    # 9985dea (core pipeline), hand-set; RRF is not the default fusion since a827c8a.
    rrf_k: float = 60.0
    # a827c8a: per-language lists and score fusion, dev nDCG@10 0.74 -> 0.81; BM25 weight 1.4 vs 1.0: +0.01.
    dense: float = 1.0
    lexical: float = 1.4
    # 9985dea, hand-set: a chunk that is the section or article named, and the chunks of a document named.
    reference_section: float = 1.0
    reference_document: float = 0.5
    # a827c8a: country re-scoring, dev nDCG@10 +0.002 ("neutral, kept small").
    country_match: float = 0.01
    country_mismatch: float = 0.01
    # 9985dea, hand-set: at most this many chunks of one document, unless the question names it.
    per_document: int = 3
    # a827c8a: one ranked list per document language, dev cross-lingual recall@5 0.69 -> 0.81. Each language's dense
    # list is its own collection's nearest chunks (index/chroma.py), as a filtered query per language gave (ae76543:
    # held-out recall@10 0.91, against 0.87 for one query split in memory), without a filtered query's cost.
    per_language: bool = True
    # a827c8a: "rrf" (reciprocal rank) or "score" (min-max scaled scores); dev nDCG@10 0.78 (rrf) -> 0.80.
    fusion: str = "score"
    # a827c8a, hand-set: brings scaled scores to the size of RRF scores, so the bonuses keep their meaning.
    score_scale: float = 0.03
    # 9985dea, hand-set: with prefer_recent, a COI chunk's score times 0.5 ** (age / half-life) * (1 - floor) + floor.
    recent_halflife_years: float = 4.0
    recent_floor: float = 0.5
    # a827c8a, hand-set: "Article 3" without a named instrument matches every Article 3: let the other signals choose.
    unnamed_article: float = 0.01
    # a827c8a, hand-set: "Article 6 ECHR in MIG 2009:30" is about the judgment: the article counts at most this
    # share of reference_document.
    article_in_named_document: float = 0.5
    # 7703e89, 2026-11-22: an article number repeated in its document (a protocol's "Article 3" printed after the
    # Convention's) counts this share unless the question names a protocol ("Article 3 of the ECHR" put Protocol
    # articles first in ECHR_ENG.pdf); hand-set.
    repeated_article: float = 0.5
    # 9985dea, hand-set: a named document's other chunks get this share of its best chunk's reference_document.
    other_chunks_of_named_document: float = 0.5


# --- Reading the question (query.py, places.py) ------------------------------------------------------------------

# A city named in a question counts as naming its country when that country is in the index, or when the city has
# at least this many inhabitants (a small town's name is often an ordinary word). 2026-11-30, hand-set.
PLACE_MIN_POPULATION = 500_000
# A place name that is an everyday word (wordfreq Zipf frequency at least this, in English or Swedish: "Human",
# "March", "Split") is not taken for the place, unless the place has PLACE_COMMON_WORD_POPULATION inhabitants
# ("Moscow" 4.4). A place of an indexed country counts from PLACE_MIN_INDEXED_POPULATION inhabitants.
# 2026-11-30, hand-set on the questions of evals/dev.yaml (false places: "Human", "Since", "Freedom", "Roya").
PLACE_COMMON_WORD_ZIPF = 4.0
PLACE_COMMON_WORD_POPULATION = 5_000_000
PLACE_MIN_INDEXED_POPULATION = 50_000

# --- Choosing the sentences (answer/quotes.py) ---------------------------------------------------------------------------

# A sentence that gives what the question asks for (a figure for "how many", a date for "when"). 2026-11-30,
# hand-set; benchmarks/answer_rules.py measures it together with the figure check ("-figure": on evals/dev.yaml
# refused-when-unanswerable 0.70 -> 0.85 with it, answered-when-answerable 0.972 -> 0.957).
ASKED_FOR_BONUS = 0.03
# At least this many sentences are quoted when the second scores within SECOND_WINDOW of the best.
# 2026-11-30, benchmarks/answer_rules.py on evals/dev.yaml (179 questions): SECOND_WINDOW 0.10 -> 0.05 raised
# citation precision 0.763 -> 0.780 with the same key-point coverage (0.697) and premise handling.
MIN_SENTENCES = 2
SECOND_WINDOW = 0.05
# Maximal marginal relevance: a candidate's score minus REDUNDANCY times its cosine with the closest chosen sentence.
# 2026-11-30, hand-set; with MIN_SENTENCES ("-mmr" in benchmarks/answer_rules.py) key points 0.701 -> 0.712 on dev.
REDUNDANCY = 0.1
# A sentence stating what a court decided (data/holding-phrases.txt), when the question names the decision.
# 2026-11-30, hand-set; the premise section it feeds lifts dev's false premises 0.556 -> 0.667 (answer_rules.py).
HOLDING_PHRASE_BONUS = 0.3
# Sentences quoted on a premise: the named decision's holding, or what the sources say about the premise clause.
PREMISE_SENTENCES = 2

# --- Names below the country level (gazetteer.py) -------------------------------------------------------------------
# A proper name the country reports tie to one country: at least this share of the single-country reports (COI and
# case summaries) that mention it concern that country, and at least CORPUS_NAME_MIN_DOCUMENTS mention it.
# Issue #22's "say >= 90 %", hand-set 2026-12-06; the effect on dev and the held-out sets is in the closing note.
CORPUS_NAME_SHARE = 0.9
CORPUS_NAME_MIN_DOCUMENTS = 2

# --- Boilerplate (boilerplate.py) -----------------------------------------------------------------------------------
# A sentence is a publisher's template when, numbers and names aside, it recurs in at least this share of the
# publisher's documents and the publisher has at least TEMPLATE_MIN_DOCUMENTS. Hand-set 2026-12-06 on the reference
# corpus's templates (US 2024 reports, UD summaries); the sentences it marks are listed by benchmarks/boilerplate.py.
TEMPLATE_SHARE = 0.6
TEMPLATE_MIN_DOCUMENTS = 4

# Below this many chunks a word's share of them says little ("journalists" is in 46 % of the 52 demo chunks, 2.7 % of
# the reference corpus's 2,811): the aspect then keeps every content word.
CORPUS_STATISTICS_MIN_CHUNKS = 500
# --- Aspect (query.aspect_of, answer.checks.missing_topic) -------------------------------------------------------------
# A question word that more than this share of the indexed chunks hold names no topic of its own ("law",
# "government"). Hand-set 2026-12-06; the effect on dev and the held-out sets is in issue #22's closing note.
ASPECT_MAX_SHARE = 0.2
# A sentence in another language than the question bears on its aspect when its embedding is this close to the
# aspect's words embedded alone (the lexical test cannot see across languages without a glossary entry).
ASPECT_MIN_SIMILARITY = 0.84
# An everyday word the index never uses, from wordfreq Zipf ASPECT_ABSENT_EVERYDAY_ZIPF ("guy", "thing"), is chat,
# not a topic ("zoroastrier", "kunama", "converts" stay: rarer in everyday language; on
# the small demo corpus 3.5 dropped "converts"). Hand-set 2026-12-06.
ASPECT_ABSENT_EVERYDAY_ZIPF = 4.5
# A sentence that bears on the aspect answers from this much less evidence than the best sentence overall needs:
# general sentences about a country ("the situation is hard to verify") score high against any question on it.
# Hand-set 2026-12-06 on dev (officer-style questions refused as missing_topic whose bearing sentence was 0.01-0.03
# under the bar, dev210, dev211).
ASPECT_EVIDENCE_DISCOUNT = 0.03
