"""{% fragment "name" part... %}…{% endfragment %}: a template fragment cached under the content version.

Like Django's {% cache %}, but the key always carries what makes a fragment correct for
everyone: the content version (so any publishing change is seen at once, see
newsroom/public_cache.py), the language and the site address. Only put markup in a
fragment that is the same for every reader: no CSRF tokens, nothing about the user.
"""

from django import template
from django.conf import settings
from django.core.cache import cache

from newsroom import public_cache

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, parts):
        self.nodelist = nodelist
        self.name = name
        self.parts = parts

    def render(self, context):
        seconds = settings.FRAGMENT_CACHE_SECONDS
        if not seconds:
            return self.nodelist.render(context)
        key = public_cache.fragment_key(
            context.get("request"), self.name.resolve(context), [part.resolve(context) for part in self.parts]
        )
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, seconds)
        return html


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% fragment %} needs a name: {% fragment \"story\" article.pk %}")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])
