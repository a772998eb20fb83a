from django import template

from villages.models import ClassificationLevel

register = template.Library()


@register.filter
def level_label(value):
    """Display label of a classification level value ('berkelanjutan' -> 'Berkelanjutan (Paripurna)')."""
    return ClassificationLevel(value).label if value else ""
