"""Reading: inputs (files, folders, stdin, feed URLs, .opml lists) -> Articles.

    sources.py    all of a run's inputs, local and fetched   files.py     listing and reading local inputs
    parse.py      one input's bytes -> articles, by kind      build.py     an Article from what a reader found
    html.py       web pages (trafilatura, then our layer)     feeds.py     RSS/Atom/RDF entries (feedtext.py)
    plaintext.py  text and Markdown files                     encoding.py  bytes -> text
    furniture.py  page furniture and trailers                 publisher.py source names
    http.py       feeds and pages over HTTP                   addresses.py which addresses may be fetched
    pagemeta.py   a page's own statements: title candidates, publisher, authors, dates, deks, leads
"""
