"""The claim splitter: statements about the country situation are claims with their offsets in the account;
what only the applicant can know is listed as personal, never dropped."""
from __future__ import annotations

from landinfo.claims import claims_from_lines, is_personal, locate, split_claims

ACCOUNT = ("Jag heter Amal och är född 1994. Min far var sjuk i många år. I mars 2023 greps min bror av polisen i "
           "Herat; han hölls i tre veckor utan att träffa en domare. Min mor grät när jag reste.\n\n"
           "In 2022 the army took young men from the market for military service. My sister married a teacher. "
           "Journalists who criticise the government are detained.")


def test_every_statement_is_listed_in_order_with_offsets_that_point_at_it():
    claims = split_claims(ACCOUNT)
    assert [c.start for c in claims] == sorted(c.start for c in claims)
    for c in claims:
        assert ACCOUNT[c.start:c.end] == c.text
    # nothing of the account is lost: every sentence's words are in some claim
    joined = " ".join(c.text for c in claims)
    assert all(word.rstrip(";") in joined for word in ACCOUNT.split())


def test_statements_about_actors_and_practices_are_checkable_and_personal_ones_are_not():
    by_text = {c.text: c.personal for c in split_claims(ACCOUNT)}
    assert by_text["Min far var sjuk i många år."] is True
    assert by_text["Min mor grät när jag reste."] is True
    assert by_text["My sister married a teacher."] is True
    assert by_text["Jag heter Amal och är född 1994."] is True  # a year alone does not make it checkable
    assert by_text["I mars 2023 greps min bror av polisen i Herat"] is False
    assert by_text["In 2022 the army took young men from the market for military service."] is False
    assert by_text["Journalists who criticise the government are detained."] is False


def test_a_semicolon_separates_two_claims():
    texts = [c.text for c in split_claims(ACCOUNT)]
    assert "han hölls i tre veckor utan att träffa en domare." in texts


def test_a_place_in_the_applicants_own_life_is_personal_and_in_an_event_it_is_not():
    assert is_personal("I was born in Kandahar and grew up there.")
    assert not is_personal("In Kandahar the checkpoints are run by armed men.")


def test_an_edited_list_keeps_offsets_where_the_text_stands_and_marks_the_rest():
    lines = ["(personal) Min far var sjuk i många år.",
             "I mars 2023 greps min bror av polisen i Herat; han hölls i tre veckor utan att träffa en domare.",
             "Journalists who criticise the government are detained, and some are tortured."]
    claims = claims_from_lines(ACCOUNT, lines, ("(personal)",))
    assert claims[0].personal and claims[0].text == "Min far var sjuk i många år."
    assert ACCOUNT[claims[1].start:claims[1].end] == claims[1].text  # two claims merged: still in the account
    assert (claims[2].start, claims[2].end) == (-1, -1)  # reworded: no longer stands in the account
    assert locate(ACCOUNT, "nowhere in it") == (-1, -1)


def test_a_general_statement_is_checkable_and_a_swedish_i_is_not_the_first_person():
    assert not is_personal("Ildaran children are refused schooling in their own language.")
    assert not is_personal("I Eritrea finns inga fria tidningar.")
    assert is_personal("I loved my grandmother's garden.")
    assert is_personal("Jag tyckte om min mormors trädgård.")


def test_a_sentence_wrapped_over_two_lines_is_one_claim_and_found_again_on_one_line():
    account = "Många som grips försvinner\noch familjen får inget besked.\n\nMin far var sjuk."
    claims = split_claims(account)
    assert [c.text for c in claims] == ["Många som grips försvinner\noch familjen får inget besked.",
                                        "Min far var sjuk."]
    edited = claims_from_lines(account, ["Många som grips försvinner och familjen får inget besked."])
    assert (edited[0].start, edited[0].end) == (claims[0].start, claims[0].end)


def test_a_personal_event_joined_to_a_country_fact_is_two_claims_and_the_fact_is_checkable():
    account = ("Min far var sjuk. Jag kallades in 2019, och ingen visste hur länge tjänsten skulle vara. "
               "I was called up in 2019, and nobody knew how long it would last.")
    claims = split_claims(account)
    assert [(c.text, c.personal) for c in claims] == [
        ("Min far var sjuk.", True),
        ("Jag kallades in 2019", True), ("och ingen visste hur länge tjänsten skulle vara.", False),
        ("I was called up in 2019", True), ("and nobody knew how long it would last.", False)]
    for c in claims:  # the annex and the UI mark each claim in the account by its offsets
        assert account[c.start:c.end] == c.text


def test_a_clause_that_goes_on_with_the_applicants_own_life_stays_in_one_personal_claim():
    for sentence in ("I was born in Kandahar, and grew up there.", "Jag kom hem, och min mor grät.",
                     "Jag flyttade 2019, men jag kom tillbaka."):
        assert [(c.text, c.personal) for c in split_claims(sentence)] == [(sentence, True)]
