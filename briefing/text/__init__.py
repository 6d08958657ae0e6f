"""Text rules every stage shares, each written once: sanitize.py (the one sanitising point for text), urls.py
(the one for web addresses), rules.py (where a sentence ends, title separators, CJK counts), sentences.py
(sentences and token-budgeted segments), datelines.py, language.py, lexicon.py (stop words, stems)."""
