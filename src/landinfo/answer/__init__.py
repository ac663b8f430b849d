"""The answer: what the officer reads and how it is decided.

`types` (what an answer is: import only this to show, export or rate one), `checks` (whether the sources can
answer, each check with its reason, in one order), `quotes` (the quotable sentences, their choice, the verbatim
test), `extractive` (the offline answerer), `llm` (the optional language model, every citation checked) and
`assistant` (search and ask, models loaded once). Nothing is imported here, so that `answer.types` stays light.
"""
