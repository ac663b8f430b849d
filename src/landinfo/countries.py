"""Country names in Swedish and English text, mapped to one English name.

Names are matched case-sensitively ("Turkey", not "turkey"; "Jordanien", not "jordan");
Swedish adjectives and demonyms by their stem ("iransk", "iranska", "irakier", "afghaner").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# English name | other names (Swedish and English) | Swedish adjective/demonym stems | English adjectives
LEXICON = """
Afghanistan||afghan|Afghan
Albania|Albanien|alban|Albanian
Algeria|Algeriet|algeri|Algerian
Angola||angolan|Angolan
Argentina||argentin|Argentine,Argentinian
Armenia|Armenien|armeni|Armenian
Azerbaijan|Azerbajdzjan|azerbajdzjan,azeri,azerisk|Azerbaijani,Azeri
Bahrain||bahrain|Bahraini
Bangladesh||bangladesh|Bangladeshi
Belarus|Vitryssland,Belarus|vitrysk,belarus|Belarusian
Bolivia||bolivian|Bolivian
Bosnia and Herzegovina|Bosnien och Hercegovina,Bosnien-Hercegovina,Bosnien,Bosnia|bosni|Bosnian
Brazil|Brasilien|brasilian|Brazilian
Burkina Faso||burkin|Burkinabe
Burundi||burundi|Burundian
Cameroon|Kamerun|kamerun|Cameroonian
Central African Republic|Centralafrikanska republiken|centralafrikan|Central African
Chad|Tchad|tchad|Chadian
Chile||chilen|Chilean
China|Kina|kines|Chinese
Colombia|Colombia|colombian|Colombian
Costa Rica||costarican|Costa Rican
Cuba|Kuba|kuban|Cuban
Democratic Republic of the Congo|Demokratiska republiken Kongo,Demokratiska Republiken Kongo,DR Kongo,DRK,Kongo-Kinshasa,DR Congo,DRC,Democratic Republic of Congo,Kongo,Congo|kongoles|Congolese
Republic of the Congo|Republiken Kongo,Kongo-Brazzaville,Congo-Brazzaville||
Zaire|Zaïre|zairisk,zairier|Zairean,Zairian
Djibouti||djibouti|Djiboutian
Egypt|Egypten|egypt|Egyptian
El Salvador||salvadoran|Salvadoran
Eritrea||eritre|Eritrean
Ethiopia|Etiopien|etiop|Ethiopian
France|Frankrike|fransk,fransm|French
Gambia|Gambia,The Gambia|gambi|Gambian
Georgia|Georgien|georgi|Georgian
Germany|Tyskland|tysk|German
Ghana||ghan|Ghanaian
Greece|Grekland|grek|Greek
Guinea|Guinea|guine|Guinean
Haiti||haiti|Haitian
India|Indien|indisk,indier|Indian
Indonesia|Indonesien|indones|Indonesian
Iran||iransk,iranier|Iranian
Iraq|Irak|irak|Iraqi
Israel||israel|Israeli
Italy|Italien|italiensk,italienare|Italian
Ivory Coast|Elfenbenskusten,Côte d'Ivoire,Cote d'Ivoire|ivorian|Ivorian
Jordan|Jordanien|jordansk,jordanier|Jordanian
Kazakhstan|Kazakstan|kazak|Kazakh
Kenya||kenyan|Kenyan
Kosovo||kosovan,kosovar|Kosovar,Kosovan
Kuwait||kuwait|Kuwaiti
Kyrgyzstan|Kirgizistan|kirgiz|Kyrgyz
Lebanon|Libanon|liban|Lebanese
Liberia||liberian|Liberian
Libya|Libyen|libys,libyer|Libyan
Lithuania|Litauen|litau|Lithuanian
Mali||malisk,malier|Malian
Mauritania|Mauretanien|mauretan|Mauritanian
Mexico|Mexiko|mexikan|Mexican
Moldova|Moldavien,Moldova|moldav|Moldovan
Mongolia|Mongoliet|mongol|Mongolian
Morocco|Marocko|marock|Moroccan
Myanmar|Burma|burmes|Burmese
Nepal||nepal|Nepalese,Nepali
Niger||nigerisk|Nigerien
Nigeria||nigerian|Nigerian
North Korea|Nordkorea|nordkorean|North Korean
North Macedonia|Nordmakedonien,Makedonien,Macedonia|makedon|Macedonian
Pakistan||pakistan|Pakistani
Palestine|Palestina,Gaza,Västbanken,West Bank,Palestinian territories|palestin|Palestinian
Peru||peruan|Peruvian
Philippines|Filippinerna|filippin|Filipino
Poland|Polen|polsk,polack|Polish
Romania|Rumänien|rumän|Romanian
Russia|Ryssland,Russian Federation,Ryska federationen|rysk,ryss|Russian
Rwanda||rwand|Rwandan
Saudi Arabia|Saudiarabien|saudiarab,saudisk|Saudi
Senegal||senegal|Senegalese
Serbia|Serbien|serb|Serbian
Sierra Leone||sierraleon|Sierra Leonean
Somalia|Somalia,Somaliland|somali|Somali
South Africa|Sydafrika|sydafrikan|South African
South Sudan|Sydsudan|sydsudanes|South Sudanese
Sri Lanka||lankes,srilankes|Sri Lankan
Sudan||sudanes|Sudanese
Sweden|Sverige|svensk|Swedish
Syria|Syrien|syrisk,syrier|Syrian
Tajikistan|Tadzjikistan|tadzjik|Tajik
Tanzania||tanzan|Tanzanian
Togo||togoles|Togolese
Tunisia|Tunisien|tunis|Tunisian
Turkey|Turkiet,Türkiye|turkisk|Turkish
Turkmenistan||turkmen|Turkmen
Uganda||ugand|Ugandan
Ukraine|Ukraina|ukrain|Ukrainian
United Kingdom|Storbritannien,Förenade kungariket,Great Britain,UK|brittisk|British
United States|USA,Förenta staterna,United States of America|amerikan|American
Uzbekistan|Uzbekistan|uzbek|Uzbek
Venezuela||venezuelan|Venezuelan
Vietnam|Viet Nam|vietnames|Vietnamese
Yemen|Jemen|jemenit|Yemeni
Zambia||zambi|Zambian
Zimbabwe||zimbabw|Zimbabwean
Austria|Österrike|österrik|Austrian
Belgium|Belgien|belgi|Belgian
Benin||beninsk|Beninese
Bhutan||bhutan|Bhutanese
Botswana||botswan|Motswana
Bulgaria|Bulgarien|bulgar|Bulgarian
Cambodia|Kambodja|kambodjan|Cambodian
Croatia|Kroatien|kroat|Croatian
Czech Republic|Tjeckien,Czechia|tjeck|Czech
Denmark|Danmark|dansk,danskar|Danish
Dominican Republic|Dominikanska republiken|dominikan|Dominican
Ecuador||ecuadorian|Ecuadorian
Equatorial Guinea|Ekvatorialguinea||Equatoguinean
Estonia|Estland|estnisk,estländ|Estonian
Finland||finsk,finländ|Finnish
Gabon||gabones|Gabonese
Guatemala||guatemal|Guatemalan
Guinea-Bissau|||Bissau-Guinean
Honduras||hondur|Honduran
Hungary|Ungern|ungersk,ungrare|Hungarian
Ireland|Irland|irländ|Irish
Japan||japan|Japanese
Latvia|Lettland|lettisk,lettländ|Latvian
Laos||laotisk|Laotian
Madagascar|Madagaskar|malagass|Malagasy
Malawi||malawi|Malawian
Malaysia|Malaysia|malaysi|Malaysian
Mozambique|Moçambique,Mocambique|moçambik,mocambik|Mozambican
Namibia||namibi|Namibian
Netherlands|Nederländerna,Holland|nederländ,holländ|Dutch
Nicaragua||nicaraguan|Nicaraguan
Norway|Norge|norsk,norrmän|Norwegian
Oman||omansk|Omani
Portugal||portugis|Portuguese
Qatar||qatar|Qatari
Slovakia|Slovakien|slovak|Slovak
Slovenia|Slovenien|sloven|Slovenian
South Korea|Sydkorea|sydkorean|South Korean
Spain|Spanien|spansk,spanjor|Spanish
Switzerland|Schweiz|schweizisk,schweizare|Swiss
Thailand||thailänd|Thai
United Arab Emirates|Förenade Arabemiraten,UAE|emirat|Emirati
Western Sahara|Västsahara|västsahar|Sahrawi
"""

STRONG_BEFORE = re.compile(
    r"(?:\btill|\bfrån|\bhemlandet|\bhemland|medborgare\s+i|medborgarskap\s+i|\bursprungligen\s+från|national\s+of"
    r"|citizen\s+of|\breturn(?:ed)?\s+to|\bdeport\w*\s+to|\bexpel\w*\s+to|\bremov\w*\s+to|\bfrom)\s*\(?\s*$",
    re.IGNORECASE,
)
STRONG_AFTER = re.compile(
    r"^\s+(?:medborgare|man|kvinna|familj|mor|far|make|maka|makar|par|pojke|flicka|pojkar|flickor|män|kvinnor"
    r"|barn|asylsökande|klagande|national|citizen|man|woman|family|asylum)", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    country: str
    start: int
    end: int
    strong: bool  # names a person's nationality or a destination ("iransk medborgare", "utvisning till Irak")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _build():
    names: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # first word -> (all words, English name)
    stems: dict[str, str] = {}
    folded: dict[str, str] = {}
    for line in LEXICON.strip().splitlines():
        english, other_names, stem_list, adjectives = (line.split("|") + ["", "", ""])[:4]
        for name in [english] + other_names.split(",") + [a + s for a in adjectives.split(",") for s in ("", "s")]:
            if name and name not in ("s",):
                words = tuple(WORD_RE.findall(name))
                names.setdefault(words[0], []).append((words, english))
                folded.setdefault(_fold(name), english)
        for stem in filter(None, stem_list.split(",")):
            stems[stem] = english
    for candidates in names.values():
        candidates.sort(key=lambda pair: -len(pair[0]))  # "South Sudan" before "South Africa"... longest first
    return names, stems, folded


NAMES, STEMS, FOLDED_NAMES = _build()
COUNTRIES = tuple(sorted({english for c in NAMES.values() for _, english in c}))
LONGEST_STEM = max(len(stem) for stem in STEMS)


def _country_at(words: list[re.Match], i: int) -> tuple[str, int] | None:
    """The country named by the words starting at index i, and how many words it takes."""
    word = words[i].group(0)
    for name_words, english in NAMES.get(word, ()):
        n = len(name_words)
        if tuple(w.group(0) for w in words[i:i + n]) == name_words:
            return english, n
    lower = word[0].lower() + word[1:]
    for k in range(min(len(lower), LONGEST_STEM), 3, -1):
        if lower[:k] in STEMS:
            return STEMS[lower[:k]], 1
    return None


def country_mentions(text: str) -> list[Mention]:
    """Every country named in the text, in order, marked strong when it names nationality or destination."""
    words = list(WORD_RE.finditer(text))
    found = []
    i = 0
    while i < len(words):
        hit = _country_at(words, i)
        if not hit:
            i += 1
            continue
        country, n = hit
        start, end = words[i].start(), words[i + n - 1].end()
        strong = bool(STRONG_BEFORE.search(text[max(0, start - 30):start])
                      or STRONG_AFTER.match(text[end:end + 30]))
        found.append(Mention(country, start, end, strong))
        i += n
    return found


def countries_in(text: str) -> tuple[str, ...]:
    """The countries a text names, in order of first mention (for a question: "läget i Irak" -> Iraq)."""
    return tuple(dict.fromkeys(m.country for m in country_mentions(text)))


def countries_in_slug(slug: str) -> tuple[str, ...]:
    """Countries in a file name or URL slug, where case and diacritics are lost ("...-i-etiopien", "iran-2024")."""
    words = " " + " ".join(re.split(r"[^a-z]+", _fold(slug))) + " "
    found = []
    for folded, english in sorted(FOLDED_NAMES.items(), key=lambda item: -len(item[0])):
        key = " " + " ".join(re.split(r"[^a-z]+", folded)).strip() + " "
        if len(key.strip()) > 3 and key in words:
            found.append(english)
            words = words.replace(key, "  ")
    return tuple(dict.fromkeys(found))
