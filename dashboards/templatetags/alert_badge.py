"""The top menu's early-warning link and its count of open alerts."""

from django import template

from kampungkb.access import user_scope

from ..selectors import ALERT_BADGE_CAP, alert_open_count

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_badge(context):
    """ "" when the user reads no region; else the open count, "99+" past the cap."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    read = user_scope(user).read
    if read is not None and not read:
        return ""
    count = alert_open_count(user=user)
    return f"{ALERT_BADGE_CAP}+" if count > ALERT_BADGE_CAP else str(count)
