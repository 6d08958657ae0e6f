"""Reading: inputs (files, folders, stdin, feed URLs, .opml lists) -> Articles.

    files.py      listing and reading local inputs          parse.py     bytes -> articles, by kind
    html.py       web pages (trafilatura, our layer)        feeds.py     RSS/Atom/RDF entries
    sources.py    all of a run's inputs, local and fetched
    plaintext.py  text and Markdown files                   encoding.py  bytes -> text
    furniture.py  page furniture, trailers, language        publisher.py source names
    http.py       feeds and pages over HTTP                 addresses.py which addresses may be fetched
"""
