"""The report templates (coach/templates/*.j2, Jinja2) and the one environment that renders them.

Templates lay out; Python decides what to show. Shared by `coach score`'s text and Markdown
reports (coach.report.render) and the batch report (coach.batch.report). ``*.html.j2`` templates
autoescape every value; the others are plain text, and Markdown ones escape user text with the
``md`` filter (coach.textfmt.md_escape). A missing variable is an error, never a silent blank.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.textfmt import clip, md_cell, md_escape

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _escape_html(value: object) -> object:
    """Autoescape with html.escape's entities (&quot; &#x27;), as the report always wrote them;
    markup built on purpose (Markup) passes through."""
    from markupsafe import Markup

    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


@lru_cache(maxsize=2)
def _environment(autoescape: bool) -> jinja2.Environment:
    import jinja2  # here, not at the top: `coach score --format json` renders no template (cold start)

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        finalize=_escape_html if autoescape else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # shipped with the package: no stat() per render
    )
    env.filters.update(md=md_escape, md_cell=md_cell, clip=clip)
    return env


def render_template(name: str, **context: Any) -> str:
    """Render coach/templates/``name``; HTML (``*.html.j2``) is autoescaped."""
    return _environment(name.endswith(".html.j2")).get_template(name).render(**context)
