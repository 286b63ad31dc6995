"""Model output → safe HTML: markdown rendered on the server, code highlighted, then sanitised.

Nothing a model writes may run as script in the page, so the HTML from markdown-it is passed
through nh3 with a short allow-list; raw HTML in the source is escaped, never interpreted.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "span", "div", "blockquote", "a",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"class"},
    "code": {"class"},
    "div": {"class"},
    "pre": {"class", "data-lang"},
}
_FORMATTER = HtmlFormatter(nowrap=True, classprefix="hl-")


def _highlight(code: str, lang: str, _attrs: object) -> str:
    try:
        lexer = get_lexer_by_name(lang) if lang else guess_lexer(code)
    except ClassNotFound:
        return ""  # markdown-it escapes the code itself when we return nothing
    label = lang or (lexer.aliases[0] if lexer.aliases else "")
    return f'<pre class="code" data-lang="{label}"><code>{highlight(code, lexer, _FORMATTER)}</code></pre>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html=False: any HTML the model writes is shown as text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> SafeString:
    html = _parser().render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has reduced it to the allow-list above


_LIGHT_STYLE = "default"
_DARK_STYLE = "github-dark"


def highlight_css() -> str:
    """Token colours for code in answers, light and dark; the code block's background is the page's own
    (static/css), so text and background always come from the same theme."""
    light = "\n".join(HtmlFormatter(style=_LIGHT_STYLE, classprefix="hl-").get_token_style_defs(".md"))
    dark = HtmlFormatter(style=_DARK_STYLE, classprefix="hl-")
    chosen_dark = "\n".join(dark.get_token_style_defs(':root[data-theme="dark"] .md'))
    system_dark = "\n".join(dark.get_token_style_defs(':root:not([data-theme="light"]) .md'))
    return f"{light}\n{chosen_dark}\n@media (prefers-color-scheme: dark) {{\n{system_dark}\n}}\n"
