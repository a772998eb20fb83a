from django import template
from django.utils.html import format_html

from kampungkb.once import FIELD, new_token

register = template.Library()


@register.simple_tag
def once_field():
    """The hidden one-time token of a create form (kampungkb.once)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
