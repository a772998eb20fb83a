"""What other apps add to a Kampung KB's profile page, without villages importing them.

Arrows point one way (villages imports no other domain app), yet the profile shows
Dashat (stunting), awards (evaluations) and figures (dashboards). Each of those apps
connects a receiver to `wanted` in its AppConfig.ready; the profile page collects
their answers with `kampung_facts`. A receiver returns a dict of named facts, reads
only bounded rows (one Kampung KB, one desa) and never personal data.
"""

from django.dispatch import Signal

# Sent with kampung (a KampungKB with its region) and user (who reads the page).
wanted = Signal()


def kampung_facts(*, kampung, user) -> dict:
    """The facts every connected app gives about this Kampung KB, merged by name."""
    facts = {}
    for _receiver, answer in wanted.send(sender=None, kampung=kampung, user=user):
        facts.update(answer or {})
    return facts
