"""{% fragment "name" part... [unless condition] %}…{% endfragment %}: a fragment cached under the content version.

Like Django's {% cache %}, but the key always carries what makes a fragment correct for
everyone: the content version (so any publishing change is seen at once, see
newsroom/public_cache.py), the language and the site address. Only put markup in a
fragment that is the same for every reader given its parts: nothing about the user.
A {% csrf_token %} inside is stored as a placeholder and each reader gets their own token.
`unless` renders without the cache when the condition holds (a bound form, a signed-in reader).
"""

from django import template
from django.template.base import TemplateSyntaxError

from newsroom import public_cache

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, parts, unless):
        self.nodelist = nodelist
        self.name = name
        self.parts = parts
        self.unless = unless

    def render(self, context):
        if self.unless is not None and self.unless.resolve(context):
            return self.nodelist.render(context)
        html = public_cache.versioned(
            context.get("request"), self.name.resolve(context), [part.resolve(context) for part in self.parts],
            lambda: self._render_for_everyone(context),
        )
        if public_cache.CSRF_PLACEHOLDER not in html:
            return html  # no form: no token, and no CSRF cookie for this alone
        return public_cache.with_csrf_token(html, _csrf_token(context))

    def _render_for_everyone(self, context):
        with context.push(csrf_token=public_cache.CSRF_PLACEHOLDER):
            return self.nodelist.render(context)


def _csrf_token(context):
    """What {% csrf_token %} would print: the reader's token, or nothing outside a request."""
    request = context.get("request")
    if request is None or "csrf_token" not in context:
        return ""
    return public_cache.reader_csrf_token(request)


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise TemplateSyntaxError("{% fragment %} needs a name: {% fragment \"story\" article.pk %}")
    unless = None
    if "unless" in bits:
        at = bits.index("unless")
        if at != len(bits) - 2:
            raise TemplateSyntaxError("{% fragment %}: `unless` takes one condition and comes last")
        unless = parser.compile_filter(bits[at + 1])
        bits = bits[:at]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], unless)
