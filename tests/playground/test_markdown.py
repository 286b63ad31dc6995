from playground.pages.markdown import render_markdown


def test_markdown_is_rendered_with_lists_tables_and_emphasis():
    html = render_markdown("# Title\n\n- **bold** item\n- ~~gone~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<s>gone</s>" in html
    assert "<td>2</td>" in html


def test_code_blocks_are_highlighted_on_the_server():
    html = render_markdown("```python\ndef hello():\n    return 42\n```")
    assert 'data-lang="python"' in html
    assert 'class="hl-k"' in html  # the keyword `def`, coloured by pygments
    assert "42" in html


def test_script_tags_written_by_a_model_are_shown_as_text():
    html = render_markdown("Hi <script>alert(1)</script> <img src=x onerror=alert(2)>")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_dropped_and_links_get_safe_rel():
    html = render_markdown("[click](javascript:alert(1)) and [docs](https://example.com)")
    assert 'href="javascript' not in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_unknown_language_is_escaped_not_interpreted():
    html = render_markdown("```nosuchlang\n<b>x</b>\n```")
    assert "&lt;b&gt;" in html
    assert "<b>" not in html
