"""{% fragment "name" [part…] [name=part…] [with name=value…] [tagged tags] [unless condition] %}…{% endfragment %}

A fragment of a page shared by every reader, cached (like Django's {% cache %}, but the key always
carries the release, the language and the site address) until one of its cache tags is invalidated:
see newsroom/public_cache.py.

**A cached fragment renders only from what its tag names** (an isolated context, the way
{% include … only %} isolates): the `name=part` inputs and the `with` values, plus the site's own
values that no view can change (newsroom.context_processors.site_values: site name, copyright
address, menu, language, site address). Nothing else of the page's context reaches it, so a view
that brings context of its own (a login page's `site_name`, say) cannot leak into what other readers
get. Parts, positional or named, make the key; `with` values are objects the key already determines
(the article whose pk is a part, say) and are not keyed. Nothing about the reader belongs in a fragment.

**What makes it stale.** `tagged` names the cache tags of what the `with` values show (a tag, or a list
of them: `tagged story.cache_tags`); code that loads data while the body renders names its own
(public_cache.tag). A fragment that names no tag is never made stale: its key must then name everything
it shows (a listing card keyed by its story's columns), or it shows nothing that changes (the footer).
Either way the page that shows it carries the fragment's tags, cached or not.

A fragment holds no form that needs a CSRF token (it would be someone else's token).
`unless` renders the body uncached, with the page's whole context, when the condition holds (a
bound form with its errors, a signed-in reader's own links).
"""

from django import template
from django.template.base import TemplateSyntaxError, token_kwargs

from newsroom import context_processors, public_cache

register = template.Library()

USAGE = '{% fragment "name" [part…] [name=part…] [with name=value…] [tagged tags] [unless condition] %}'


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, parts, keyed, unkeyed, tagged, unless):
        self.nodelist = nodelist
        self.tagged = tagged
        self.name = name
        self.parts = parts
        self.keyed = keyed
        self.unkeyed = unkeyed
        self.unless = unless

    def render(self, context):
        if self.unless is not None and self.unless.resolve(context):
            self._tag(context)
            return self.nodelist.render(context)
        request = context.get("request")
        inputs = {name: value.resolve(context) for name, value in self.keyed.items()}
        key = [part.resolve(context) for part in self.parts] + [f"{name}={inputs[name]}" for name in sorted(inputs)]
        return public_cache.versioned(
            request, self.name.resolve(context), key,
            lambda: self._render_for_everyone(context, request, inputs),
        )

    def _tag(self, context):
        if self.tagged is not None:
            tags = self.tagged.resolve(context) or ()
            public_cache.tag(*([tags] if isinstance(tags, str) else tags))

    def _render_for_everyone(self, context, request, inputs):
        self._tag(context)
        values = {
            **context_processors.site_values(request),
            **{name: value.resolve(context) for name, value in self.unkeyed.items()},
            **inputs,
        }
        return self.nodelist.render(context.new(values))


@register.tag
def fragment(parser, token):
    bits = token.split_contents()[1:]
    if not bits:
        raise TemplateSyntaxError(f"{{% fragment %}} needs a name: {USAGE}")
    unless = None
    if "unless" in bits:
        at = bits.index("unless")
        if at != len(bits) - 2:
            raise TemplateSyntaxError(f"{{% fragment %}}: `unless` takes one condition and comes last: {USAGE}")
        unless = parser.compile_filter(bits[at + 1])
        bits = bits[:at]
    tagged = None
    if "tagged" in bits:
        at = bits.index("tagged")
        if at != len(bits) - 2:
            raise TemplateSyntaxError(f"{{% fragment %}}: `tagged` takes one value and comes after `with`: {USAGE}")
        tagged = parser.compile_filter(bits[at + 1])
        bits = bits[:at]
    unkeyed = {}
    if "with" in bits:
        at = bits.index("with")
        unkeyed = token_kwargs(bits[at + 1:], parser)
        if not unkeyed or len(unkeyed) != len(bits) - at - 1:
            raise TemplateSyntaxError(f"{{% fragment %}}: `with` takes name=value pairs: {USAGE}")
        bits = bits[:at]
    name, parts, keyed = parser.compile_filter(bits[0]), [], {}
    for bit in bits[1:]:
        named = token_kwargs([bit], parser)
        if named:
            keyed.update(named)
        else:
            parts.append(parser.compile_filter(bit))
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name, parts, keyed, unkeyed, tagged, unless)
