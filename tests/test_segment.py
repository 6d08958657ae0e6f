import pytest
from conftest import make_article

from briefing.documents import Article
from briefing.text.sentences import _segmenter, approx_tokens, make_segments, one_sentence, repair, split_sentences


def test_abbreviations_and_quotes_do_not_split():
    text = ('Gov. Ron DeSantis said the U.S. Army "will not back down." Officials in Fort Pierce, Fla. agreed. '
            '"Is it true?" she asked. It was.')
    got = [s.text for s in split_sentences(text)]
    assert got == [
        'Gov. Ron DeSantis said the U.S. Army "will not back down."',
        "Officials in Fort Pierce, Fla. agreed.",
        '"Is it true?" she asked.',
        "It was.",
    ]


def test_offsets_point_into_the_text():
    art = make_article("One sentence here. Two here.", "New para. End.")
    for s in split_sentences(art.text):
        assert art.text[s.start : s.end] == s.text
    assert [s.paragraph for s in split_sentences(art.text)] == [0, 0, 1, 1]


def test_segments_respect_the_budget_and_keep_sentences_whole():
    art = make_article(*["This sentence has exactly eight words in it." for _ in range(40)])
    segs = make_segments(art, budget=50)
    assert len(segs) > 1
    assert all(approx_tokens(s.text) <= 50 for s in segs)
    assert all(s.text.endswith(".") for s in segs)
    assert sum(len(s.sentences) for s in segs) == 40
    assert all(art.text[s.start : s.end] == s.text for s in segs)


def test_a_sentence_longer_than_the_budget_is_cut_at_words():
    art = Article("x", None, " ".join(f"w{i}" for i in range(300)) + ".", "t")
    segs = make_segments(art, budget=64)
    assert all(approx_tokens(s.text) <= 64 for s in segs)
    assert " ".join(s.text for s in segs) == art.text


def test_fifty_thousand_words():
    para = "The committee met again on Tuesday to discuss the plan in detail. " * 10
    art = make_article(*[para.strip()] * 500)  # ~60,000 words
    segs = make_segments(art, budget=512)
    assert len(segs) > 100
    assert segs[-1].end == len(art.text)


@pytest.mark.parametrize("piece", [
    "The council approved the budget on Tuesday.",
    "Officials said 1,200 homes lost power",
    "Why did the minister resign?",
    "He doesn't expect a deal before Friday!",
    "Storm damage in the north ",
])
def test_a_piece_pysbd_cannot_split_skips_it_and_reads_the_same(piece):
    assert one_sentence(piece)
    assert [p.strip() for p in _segmenter().segment(piece) if p.strip()] == [piece.strip()]


@pytest.mark.parametrize("piece", [
    "(CBS/AP) A video posted on Monday shows the attack.",  # pysbd splits off the parenthesis
    "'While I disagree with them, I understand their right to protest.'",  # closing quote alone
    "He moved to 855B Front St..",  # a doubled stop
    "It rained. Then it snowed.",
    "“The building was uninsured, ” Owen said.",
    "The case ends here.)",
])
def test_pieces_pysbd_may_split_still_go_to_pysbd(piece):
    assert not one_sentence(piece)
    # pysbd's pieces, less the wrong splits repair() joins again (a lone ")" is no sentence)
    assert [s.text for s in split_sentences(piece, "en")] == [p.strip() for p in repair(_segmenter().segment(piece))
                                                              if p.strip()]


@pytest.mark.parametrize("text,lang,n", [
    # an honorific before a name ends no sentence
    ("Grenada’s Prime Minister, Dr the Rt. Keith Mitchell has voiced his support. The forum was good.", "en", 2),
    # a unit's abbreviation before "of": one phrase
    ("The report covered the fate of the 4.9 million bbl. of oil that spilled into the Gulf. Experts said so.", "en",
     2),
    # an ordinal day before its month (German rules, not English)
    ("Kann er sein Versprechen einhalten, das Land am 31. Oktober aus der EU zu führen? Das ist unklar.", "de", 2),
    ("El Sr. García llegó el 3 de mayo. Dijo que sí.", "es", 2),
    # no sentence starts on a comma
    ("In October, Rep. David McKinley, R-W.Va., visited the border near McAllen. He asked for more.", "en", 2),
])
def test_split_sentences_knows_honorifics_units_and_ordinal_dates(text, lang, n):
    assert len(split_sentences(text, lang)) == n


def test_an_article_is_split_in_its_own_language():
    from briefing.documents import Article
    from briefing.text.sentences import sentences

    text = "Kann er sein Versprechen einhalten, das Land am 31. Oktober aus der EU zu führen? Das ist unklar."
    art = Article(id="a", title=None, text=text, source="s", language="de")
    assert [s.text for s in sentences(art)][0].endswith("zu führen?")
