from django import template

from newsroom.account import device_name as _device_name

register = template.Library()


@register.filter
def device_name(user_agent):
    """"Firefox on Linux" for a session's User-Agent header (newsroom/account.py)."""
    return _device_name(user_agent)
