"""Evaluation facts on a Kampung KB's profile (kampungkb.profile): its awards."""

# A Kampung KB wins at most a few awards a year; the page shows the newest.
AWARDS_SHOWN = 10


def kampung_evaluation_facts(*, kampung, **kwargs) -> dict:
    """The newest awards of the Kampung KB, with the cycle that gave them."""
    return {
        "awards": list(
            kampung.awards.select_related("cycle").order_by("-year", "rank", "id")[
                :AWARDS_SHOWN
            ]
        )
    }
