"""Behaviours that a mutation check of the critical modules (issue 30) found no test for: the URL sanitiser's
fallback for addresses it cannot parse (briefing/text/urls.py), the fetch policy's resolution
(briefing/read/addresses.py), the containment boundary (briefing/contain.py) and the text sanitiser
(briefing/text/sanitize.py). Each test pins what a reader, a log line or a message gets, not the code's text;
benchmarks/results/mutation.txt lists the mutants and why each one left alive is harmless.
"""

from __future__ import annotations

import ipaddress
import logging
import socket

import pytest

from briefing.contain import LeftOut, attempt, describe, named
from briefing.documents import Article
from briefing.errors import IngestError
from briefing.read import addresses
from briefing.text import sanitize
from briefing.text.urls import hostname, redact, safe_id, safe_url

# -- urls.redact: an address safe_url refuses (another scheme, a broken host) is shown up to its query ---------


def test_a_refused_scheme_is_named_without_credentials_query_or_fragment():
    """The message for an ftp: feed names the address so the reader can find it, and carries no password, no
    token and no fragment; ':' and '/' stay readable."""
    with pytest.raises(IngestError) as e:
        addresses.check_public("ftp://user:pw@files.example.org/pub/a b.xml?token=s3cr3t&x=1#frag")
    assert str(e.value) == "ftp://files.example.org/pub/a%20b.xml: only http(s) addresses are fetched; skipped."


@pytest.mark.parametrize("url", ["ftp://h.example/p?next=/q?token=s3cr3t", "ftp://h.example/p#a?token=s3cr3t",
                                 "ftp://h.example/p#a#b"])
def test_everything_from_the_first_question_mark_or_hash_is_cut(url):
    assert redact(url) == "ftp://h.example/p"


def test_only_the_credentials_go_from_an_unparsed_address():
    assert redact("gopher://admin:hunter2@h.example/x(1)[2]") == "gopher://h.example/x(1)[2]"


def test_controls_and_bidi_overrides_are_removed_from_an_unparsed_address():
    assert redact("ftp://h.example/a\x1b\u202eb\x00c") == "ftp://h.example/abc"


def test_an_unparsed_address_is_shown_at_most_300_characters():
    shown = redact("ftp://h.example/" + "a" * 1000)
    assert len(shown) == 300 and shown.startswith("ftp://h.example/aaa")


# -- urls.safe_url: the parts it keeps ----------------------------------------------------------------------


def test_an_ipv6_zone_is_dropped_from_a_published_link():
    """A zone ('%25eth0') names an interface of the machine that wrote the link; the link keeps the address."""
    assert safe_url("http://[fe80::1%25eth0]:8080/x") == "http://[fe80::1]:8080/x"
    assert hostname("http://[fe80::1%25eth0]/x") == "[fe80::1]"


def test_blank_parameters_stay_when_a_secret_is_dropped_or_marked():
    url = "https://news.example/a?token=abc&flag=&page=2"
    assert safe_url(url) == "https://news.example/a?flag=&page=2"
    assert redact(url) == "https://news.example/a?token=REDACTED&flag=&page=2"


def test_a_path_and_fragment_keep_their_readable_characters_and_their_escapes():
    """What RFC 3986 allows in a path or fragment stays as written, and an escape is not escaped again, so a link
    reads as the feed gave it and sanitising it twice changes nothing."""
    url = "https://x.example/~ann/a%20b;v=1:2@3!*+,$&=.html#part-2:~x/y?z"
    assert safe_url(url) == url and safe_url(safe_url(url)) == url


def test_an_address_may_be_8192_characters_and_no_longer():
    url = "https://x.example/" + "a" * (8192 - len("https://x.example/"))
    assert len(url) == 8192 and safe_url(url) == url and safe_url(url + "a") is None


@pytest.mark.parametrize("name", ["access_token", "api_key", "client_secret", "password", "auth", "X-Amz-Signature",
                                  "PHPSESSID", "sid",  # found by the mutation check: PHP's session id stayed in links
                                  "sessionid", "code", "X-Amz-Credential"])
def test_each_kind_of_secret_parameter_is_dropped_from_a_link_and_marked_in_a_message(name):
    """Signed links (S3's X-Amz-*), OAuth codes, API keys, session ids: each one's value reaches no page or log."""
    url = f"https://cdn.example/a.mp3?{name}=s3cr3t&page=2"
    assert safe_url(url) == "https://cdn.example/a.mp3?page=2"
    assert redact(url) == f"https://cdn.example/a.mp3?{name}=REDACTED&page=2"


def test_a_host_is_written_lowercase_without_its_root_dot():
    assert safe_url("https://News.Example.BOX./a") == "https://news.example.box/a"


def test_an_international_domain_name_is_written_in_its_ascii_form():
    assert safe_url("https://bücher.example/straße") == "https://xn--bcher-kva.example/stra%C3%9Fe"
    assert hostname("http://BÜCHER.example/") == "xn--bcher-kva.example"


def test_a_host_name_may_be_253_characters_and_no_longer():
    """RFC 1035's limit for a name written without its root dot; the 254th character makes it no host."""
    name = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(name) == 253 and hostname(f"https://{name}/") == name
    assert hostname(f"https://{name}c/") is None and safe_url(f"https://{name}c/") is None


@pytest.mark.parametrize("value, shown", [
    ("HTTPS://user:pw@x.example/a?token=s3cr3t&id=7", "https://x.example/a?id=7"),  # a scheme in capitals
    ("ftp://user:pw@h.example/a?token=s3cr3t", "ftp://h.example/a"),  # an address safe_url refuses
    ("tag:example.org,2026:entry-7", "tag:example.org,2026:entry-7"),  # not a URL: kept as it is
])
def test_an_id_that_is_an_address_carries_no_credential_or_token(value, shown):
    assert safe_id(value) == shown


# -- addresses: what a name resolves to -------------------------------------------------------------------


@pytest.mark.parametrize("address", ["0.1.2.3", "2001:0:4136:e378:8000:63bf:3fff:fdd2"])
def test_this_network_and_teredo_addresses_are_not_public(address):
    """0.0.0.0/8 and Teredo (2001::/32) are listed in addresses._NOT_PUBLIC because ipaddress's is_global has
    changed between Python versions; on 3.11 is_global already says so, so this pins the answer for the others."""
    assert not addresses.is_public_address(address)


def test_a_link_local_answer_is_refused_and_named_without_its_interface(monkeypatch):
    """getaddrinfo gives a link-local IPv6 answer with its zone (the machine's interface name); the address is
    judged and named without it, and the same address on two interfaces counts once."""
    answer = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, 80, 0, 2)) for a in ("fe80::1%eth0", "fe80::1%eth1")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: answer if host == "printer.test" else [])
    assert addresses._resolve("printer.test", 80) == [ipaddress.ip_address("fe80::1")]
    with pytest.raises(addresses.NotPublic) as e:
        addresses.check_public("http://printer.test/")
    assert e.value.address == ipaddress.ip_address("fe80::1") and "%eth" not in str(e.value)
    assert str(e.value).startswith("http://printer.test/: fe80::1 is not a public address; not fetched")


# -- contain: the one line for an item left out, and the ledger that says it ---------------------------------


def test_an_unexpected_error_shows_only_its_first_line_cut_at_200_characters():
    many = ValueError("first line\nsecond line\nthird line")
    assert describe("feed.xml", many) == (
        "feed.xml: left out after an unexpected error (ValueError: first line); the rest goes on "
        "(run with -vv for the traceback, and please report it).")
    assert "(ValueError); the rest goes on" in describe("feed.xml", ValueError())  # no message: the type alone
    long = describe("feed.xml", KeyError("x" * 500))
    assert "(KeyError: '" + "x" * 199 + ");" in long and "x" * 200 not in long


def test_the_traceback_of_an_unexpected_error_is_logged_at_debug_naming_the_item(caplog):
    caplog.set_level(logging.DEBUG, logger="briefing.contain")
    try:
        raise ValueError("boom")
    except ValueError as e:
        error = e
    describe("feeds/world.xml", error)
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG and record.getMessage() == "feeds/world.xml: traceback of the unexpected error"
    assert record.exc_info[1] is error


def test_a_briefing_error_keeps_its_own_message_and_logs_no_traceback(caplog):
    caplog.set_level(logging.DEBUG, logger="briefing.contain")
    assert describe("feed.xml", IngestError("feed.xml: not a feed; skipped.")) == "feed.xml: not a feed; skipped."
    assert caplog.records == []


def test_the_ledger_says_each_line_as_a_warning_unless_told_not_to(caplog):
    caplog.set_level(logging.DEBUG, logger="briefing.contain")
    said, quiet = LeftOut(), LeftOut(log=False)
    said.add("a.xml: not a feed; skipped (100% sure).")
    quiet.add("b.xml: not a feed; skipped.")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "a.xml: not a feed; skipped (100% sure).")]
    assert list(said) == ["a.xml: not a feed; skipped (100% sure)."] and len(quiet) == 1


def test_an_article_is_named_by_its_source_and_title_else_its_id():
    assert named(Article(id="a1", title="Storm nears coast", text="x", source="Reuters")) == "Reuters: Storm nears coast"
    assert named(Article(id="a1", title=None, text="x", source="")) == "article: a1"
    assert len(named(Article(id="a1", title="t" * 300, text="x", source="s"))) == 160


def test_without_a_ledger_an_items_failure_is_a_warning_and_the_caller_goes_on(caplog):
    caplog.set_level(logging.DEBUG, logger="briefing.contain")

    def boom(name):
        raise ValueError(f"cannot read {name}")

    assert attempt(None, "b.xml", boom, "b.xml") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [describe("b.xml", ValueError("cannot read b.xml"))]


def test_with_a_ledger_an_items_failure_is_recorded_and_a_success_passes_through():
    ledger = LeftOut(log=False)
    assert attempt(ledger, "a.xml", int, "41") == 41
    assert attempt(ledger, "b.xml", int, "x") is None
    assert ledger.lines == [describe("b.xml", ValueError("invalid literal for int() with base 10: 'x'"))]


# -- sanitize: the text an article's body keeps ---------------------------------------------------------------


def test_a_body_keeps_its_lines_and_tabs_and_loses_every_other_control():
    assert sanitize.text("Rome\r\nMarkets\rfell\t3%.\x1b[31m Red\x1b[0m\u202e\x07\ufeff") == "Rome\nMarkets\nfell\t3%. Red"
    assert sanitize.text("plain words\nand lines") == "plain words\nand lines"
    assert sanitize.text("") == "" and sanitize.xml_safe("a\ud800b\x00") == "ab"


def test_a_one_line_field_turns_line_breaks_into_spaces_and_drops_controls():
    assert sanitize.line("Storm\r\nnears\u2028the\tcoast\x07s\x1b[1m!\u2029") == "Storm nears the coasts!"
    assert sanitize.line("Already one line") == "Already one line" and sanitize.line("") == ""
