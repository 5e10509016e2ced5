from __future__ import annotations

import pytest

from walletdesk.helpcenter.rendering import html_to_text, render_markdown

HOSTILE = [
    ("<script>alert(1)</script>ok", "<script"),
    ("[click](javascript:alert(1))", "javascript:"),
    ("[click](JaVaScRiPt:alert(1))", "javascript:"),
    ('<a href="javascript&#58;alert(1)">x</a>', "javascript"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ('<p onclick="steal()">hi</p>', "onclick"),
    ('<div onmouseover="x()">hover</div>', "onmouseover"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ('<object data="x.swf"></object>', "<object"),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ('<form action="https://evil.example"><input name=p></form>', "<form"),
    ('<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', "data:"),
    ("![x](https://tracker.example/p.png)", "tracker.example"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "<meta"),
    ("<!-- <script>alert(1)</script> -->", "<!--"),
]


@pytest.mark.parametrize(("source", "forbidden"), HOSTILE)
def test_hostile_markdown_is_sanitised(source: str, forbidden: str) -> None:
    html = render_markdown(source)
    assert forbidden.lower() not in html.lower()


def test_allowed_markup_survives() -> None:
    html = render_markdown(
        "# Title\n\n1. first\n2. second\n\n**bold** [help](/help/a/x/) [site](https://example.com)\n\n"
        "![step](/static/helpcenter/img/topup.svg)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h2>Title</h2>" in html  # the page owns the only <h1>
    assert "<ol>" in html and "<li>first</li>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="/help/a/x/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert '<img alt="step" src="/static/helpcenter/img/topup.svg">' in html
    assert "<table>" in html


def test_plain_text_for_search_has_no_markup() -> None:
    text = html_to_text(render_markdown("## 充值\n\n1. 打开 **首页** &amp; 点 <b>充值</b>"))
    assert text == "充值 打开 首页 & 点 充值"
