"""The bilingual glossary that expands lexical queries across Swedish and English."""
import pytest

from landinfo.glossary import CONCEPTS, detect_language, translate_terms


def test_concepts_are_well_formed():
    assert len(CONCEPTS) >= 200
    for entry in CONCEPTS:
        assert isinstance(entry, tuple) and len(entry) == 2, entry
        for forms in entry:
            assert isinstance(forms, tuple) and forms, entry
            assert all(isinstance(f, str) and f == f.lower() and f.strip() == f and f for f in forms), entry
            assert len(set(forms)) == len(forms), f"duplicate form in {entry}"


@pytest.mark.parametrize("question, expected", [
    ("Vilken risk för tortyr föreligger vid återvändande till Iran?", {"torture", "return", "risk", "iran"}),
    ("Vad gäller för journalister i Eritrea?", {"journalists", "eritrea"}),
    ("Hur behandlas desertörer i Eritrea?", {"desertion", "deserters", "eritrea"}),
    ("Kan en konvertit utvisas till Afghanistan?", {"conversion", "converts", "deportation", "afghanistan"}),
    ("Förekommer könsstympning av flickor i Somalia?", {"female genital mutilation", "fgm", "girls", "somalia"}),
    ("Finns ett internflyktsalternativ i Irak för ensamkommande barn?",
     {"internal flight alternative", "internal relocation alternative", "unaccompanied minors", "iraq"}),
    ("När krävs muntlig förhandling i Migrationsöverdomstolen?", {"oral hearing", "migration court of appeal"}),
    ("Hur bedöms trovärdigheten när uppehållstillstånd söks som alternativt skyddsbehövande?",
     {"credibility", "residence permit", "subsidiary protection"}),
    ("Används dödsstraff och stening mot homosexuella i Iran?",
     {"death penalty", "stoning", "homosexuals", "iran"}),
    ("Hur ser hedersrelaterat våld ut mot kvinnor i Irak?", {"honour crime", "honor killings", "women", "iraq"}),
    ("Vilka försvinnanden och avrättningar rapporteras i Syrien?",
     {"disappearances", "executions", "reported", "syria"}),
    ("Gäller värnplikt i Ryssland och vad händer vid mobilisering?",
     {"conscription", "military service", "mobilization", "russia"}),
    ("Synnerligen ömmande omständigheter vid allvarlig sjukdom", {"humanitarian grounds", "serious illness"}),
    ("Är hbtq-personer förföljda i Sydsudan?", {"lgbti", "persecution", "south sudan"}),
    ("Kan klanmedlemmar söka skydd hos polisen i Somalia?", {"police", "protection", "somalia"}),
])
def test_swedish_questions_find_english_terms(question, expected):
    terms = translate_terms(question, "sv")
    assert expected <= set(terms), expected - set(terms)


@pytest.mark.parametrize("question, expected", [
    ("What risk do deserters face in Eritrea?", {"desertör", "desertörer", "desertering", "risk", "eritrea"}),
    ("How are journalists treated in Eritrea?", {"journalister", "eritrea"}),
    ("Is female genital mutilation still practised in Somalia?", {"könsstympning", "somalia"}),
    ("Are Christian converts at real risk of persecution on return to Iran?",
     {"kristna", "konvertiter", "verklig risk", "förföljelse", "återvändande", "iran"}),
    ("Does the internal flight alternative apply to Kabul?", {"internflyktsalternativ"}),
    ("What does the Migration Court of Appeal say about oral hearings?",
     {"migrationsöverdomstolen", "muntlig förhandling"}),
    ("Death penalty and executions in Iraq", {"dödsstraff", "avrättningar", "irak"}),
    ("Arbitrary detention and torture of protesters in Ethiopia",
     {"godtyckliga frihetsberövanden", "tortyr", "demonstranter", "etiopien"}),
    ("Can an unaccompanied minor get family reunification?",
     {"ensamkommande barn", "familjeåterförening", "anhöriginvandring"}),
    ("Is a stateless Palestinian entitled to a residence permit?",
     {"statslös", "palestinier", "uppehållstillstånd"}),
    ("Internet shutdowns and censorship in Russia", {"internetnedstängning", "censur", "ryssland"}),
    ("How is sexual orientation assessed in LGBTI asylum claims?", {"sexuell läggning", "hbtq", "asylansökan"}),
])
def test_english_questions_find_swedish_terms(question, expected):
    terms = translate_terms(question, "en")
    assert expected <= set(terms), expected - set(terms)


@pytest.mark.parametrize("swedish, english", [
    ("Irak", "iraq"), ("Etiopien", "ethiopia"), ("Syrien", "syria"), ("Ryssland", "russia"),
    ("Turkiet", "turkey"), ("Sydsudan", "south sudan"), ("Palestina", "palestine"), ("Somalia", "somalia"),
    ("Eritrea", "eritrea"), ("Afghanistan", "afghanistan"), ("Iran", "iran"), ("Nigeria", "nigeria"),
    ("Sudan", "sudan"), ("Pakistan", "pakistan"), ("Uzbekistan", "uzbekistan"),
    ("iransk", "iran"), ("irakiska", "iraq"), ("eritreanska", "eritrea"), ("afghanska", "afghanistan"),
    ("somaliska", "somalia"), ("syrisk", "syria"), ("etiopiska", "ethiopia"), ("nigeriansk", "nigeria"),
    ("ryska", "russia"), ("turkiska", "turkey"), ("uzbekiska", "uzbekistan"), ("pakistanska", "pakistan"),
    ("Irans", "iran"), ("Etiopiens", "ethiopia"),
])
def test_countries_and_adjectives_give_the_english_country(swedish, english):
    assert english in translate_terms(f"Läget i {swedish}", "sv")


def test_south_sudan_is_not_sudan():
    assert translate_terms("South Sudan", "en")[:2] == ["sydsudan", "sydsudans"]
    assert "sudan" not in translate_terms("South Sudan", "en")
    assert "sudan" not in translate_terms("Sydsudan", "sv")


@pytest.mark.parametrize("word, expected", [
    ("tortyrrisk", "torture"),            # listed form starts the compound
    ("tortyrrisken", "torture"),
    ("leukemisjukdom", "illness"),        # listed form is the head
    ("militärdomstolen", "court"),
    ("militärdomstolen", "military"),
    ("konventionskränkning", "violation"),
    ("avvisningsgrunder", "refusal of entry"),
    ("polisförhör", "interrogation"),
    ("säkerhetsmyndigheterna", "authorities"),
    ("Migrationsverkets", "migration agency"),   # genitive s
])
def test_swedish_compounds_and_genitives(word, expected):
    assert expected in translate_terms(word, "sv")


@pytest.mark.parametrize("word", [
    "ungdomen",       # not "domen" (the judgment)
    "förvarv",        # not "förvar" (detention)
    "handläggning",   # not "läggning" (sexual orientation)
    "ingripande",     # not "gripande" (arrest): modifier too short
    "förtroende",     # not "troende"
    "passagerare",    # "pass" is too short to start a compound
    "kvalitet",
])
def test_compound_matching_keeps_false_positives_out(word):
    assert translate_terms(word, "sv") == []


@pytest.mark.parametrize("query, language", [
    ("Vad kostar en kaffe i Stockholm?", "sv"),
    ("Cykeln står i garaget bredvid bilen", "sv"),
    ("The weather was nice yesterday", "en"),
    ("Which recipe uses butter and flour?", "en"),
    ("", "sv"),
])
def test_words_not_in_the_glossary_give_nothing(query, language):
    assert translate_terms(query, language) == []


def test_whole_words_only_in_english():
    assert translate_terms("The passenger list", "en") == []
    assert translate_terms("armistice", "en") == []
    assert "tortyr" in translate_terms("TORTURE", "en")


def test_most_specific_phrase_first_and_no_duplicates():
    terms = translate_terms("Synnerligen ömmande omständigheter för barn", "sv")
    assert terms[0] == "humanitarian grounds"
    assert terms.index("humanitarian grounds") < terms.index("child")
    assert len(terms) == len(set(terms))

    terms = translate_terms("Is there an internal flight alternative for a child?", "en")
    assert terms[0] == "internflykt"
    assert terms.index("internflykt") < terms.index("barn")

    terms = translate_terms("Utvisning av asylsökande och utvisning av barn; utvisning igen", "sv")
    assert len(terms) == len(set(terms))
    assert terms.count("expulsion") == 1


def test_phrase_words_are_not_matched_again():
    # "muntlig förhandling" is one concept; "förhandling" alone would add nothing new, but a
    # longer phrase must still come before the shorter concepts of the same question.
    terms = translate_terms("muntlig förhandling om tortyr", "sv")
    assert terms.index("oral hearing") < terms.index("torture")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        translate_terms("tortyr", "de")


SWEDISH = [
    "Vad gäller för journalister i Eritrea?",
    "Hur behandlas desertörer i Eritrea?",
    "Finns det risk för tortyr i Iran?",
    "Vilka är kraven för uppehållstillstånd?",
    "Kan kristna konvertiter utvisas till Afghanistan?",
    "Förekommer könsstympning i Somalia?",
    "Hur ser säkerhetsläget ut i Mogadishu?",
    "Vad sa Migrationsöverdomstolen om internflykt?",
    "Är homosexualitet olagligt i Nigeria?",
    "Hur bedöms trovärdighet?",
]
ENGLISH = [
    "How are journalists treated in Eritrea?",
    "What risk do deserters face in Eritrea?",
    "Is there a risk of torture in Iran?",
    "What are the requirements for a residence permit?",
    "Can Christian converts be deported to Afghanistan?",
    "Is FGM common in Somalia?",
    "What is the security situation in Mogadishu?",
    "What did the Migration Court of Appeal say about internal flight?",
    "Is homosexuality illegal in Nigeria?",
    "How is credibility assessed?",
]


@pytest.mark.parametrize("question", SWEDISH)
def test_detect_swedish(question):
    assert detect_language(question) == "sv"


@pytest.mark.parametrize("question", ENGLISH)
def test_detect_english(question):
    assert detect_language(question) == "en"


def test_detect_language_on_longer_text_and_ties():
    assert detect_language("Klaganden anförde inför kommittén att han riskerade att utsättas för tortyr.") == "sv"
    assert detect_language("There were credible reports that the government tortured detainees.") == "en"
    assert detect_language("deserters") == "en"      # no stop words: glossary words decide
    assert detect_language("desertörer") == "sv"
    assert detect_language("Eritrea") == "sv"        # nothing to go on: the agency's language
