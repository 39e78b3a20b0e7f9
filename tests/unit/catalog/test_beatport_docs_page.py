"""Reading the public client id off Beatport's API docs page (the account login's first step).

The page is third-party HTML: the reader must find the id where open-source clients find it,
follow only script URLs on Beatport's own hosts, and never fail on whatever the page holds.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tracktion.catalog.beatport_auth import MAX_SCRIPTS, client_id_in, script_urls

DOCS = "https://api.beatport.com/v4/docs/"


def test_the_client_id_is_read_where_swagger_ui_sets_it():
    script = "ui.initOAuth({ API_CLIENT_ID: 'aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7b', appName: 'x' })"
    assert client_id_in(script) == "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7b"
    assert client_id_in('const config = {API_CLIENT_ID = "abcdefgh-1234"}') == "abcdefgh-1234"
    assert client_id_in("<html>no id here, API_CLIENT_ID: '' either</html>") is None


def test_only_scripts_on_beatports_own_hosts_are_followed():
    html = (
        '<script src="/v4/static/docs/init.js"></script>'
        "<script src='https://static.beatport.com/docs/bundle.js'></script>"
        '<script src="https://evil.example/beatport.com.js"></script>'
        '<script src="https://beatport.com.evil.example/x.js"></script>'
        '<script src="javascript:alert(1)"></script>'
        '<script src="file:///etc/passwd"></script>'
        '<script src="//cdn.elsewhere.net/x.js"></script>'
    )
    assert script_urls(html, DOCS) == [
        "https://api.beatport.com/v4/static/docs/init.js",
        "https://static.beatport.com/docs/bundle.js",
    ]


def test_a_local_stand_in_follows_its_own_address_only():
    html = '<script src="/v4/static/a.js"></script><script src="http://127.0.0.2:9/b.js"></script>'
    assert script_urls(html, "http://127.0.0.1:8080/v4/docs/") == ["http://127.0.0.1:8080/v4/static/a.js"]


def test_at_most_max_scripts_are_followed():
    html = "".join(f'<script src="/s{i}.js"></script>' for i in range(MAX_SCRIPTS * 3))
    assert len(script_urls(html, DOCS)) == MAX_SCRIPTS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_any_page_text_reads_without_error(text: str):
    found = client_id_in(text)
    assert found is None or (8 <= len(found) <= 128 and found in text)
    for url in script_urls(text, DOCS):
        assert url.startswith("https://") and (
            ".beatport.com/" in url or url.startswith("https://api.beatport.com")
        )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="\"'"), max_size=80), max_size=30))
def test_any_script_sources_give_only_allowed_urls(sources: list[str]):
    html = "".join(f'<script type="text/javascript" src="{src}"></script>' for src in sources)
    urls = script_urls(html, DOCS)
    assert len(urls) <= MAX_SCRIPTS
    for url in urls:
        host = url.split("/")[2].split("@")[-1].split(":")[0].casefold()
        assert host == "api.beatport.com" or host.endswith(".beatport.com"), url
