"""How forms render: Django's own form and widget templates through Jinja2.

Django ships every form and widget template twice, for its template language and for
Jinja2, with the same markup (tests/core/test_form_renderer.py holds the pages equal
but for blank lines, and what people type escaped alike: a quote becomes ``&#34;``
rather than ``&quot;``, the same character). Jinja2 renders them several times
faster: a note's page draws three forms and was spending a fifth of its time on them.
Every other template a form or widget asks for — the admin's widgets, a project's own —
renders as before, through the Django template language: a project template that overrides one of
Django's form templates (``django/forms/…``) would need its Jinja2 twin.
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2


class FormRenderer(BaseRenderer):
    """``django/forms/…`` templates through Jinja2; any other through the template language."""

    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()

    def get_template(self, template_name: str):
        if template_name.startswith("django/forms/"):
            return self._jinja2.get_template(template_name)
        return self._django.get_template(template_name)
