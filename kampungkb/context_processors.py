from .access import can, user_scope
from .models import Role

# Top-bar links and the action that shows each one.
NAV_ACTIONS = {
    "proposals": "proposal.decide",
    "launches": "launch.change",
    "targets": "target.change",
    "officers": "assignment.change",
    "users": "user.manage",
}


def nav(request):
    """Which top-bar links the signed-in user's role allows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    links = {name: can(user, action) for name, action in NAV_ACTIONS.items()}
    # Stunting pages read by region: anyone with a region to read gets the link.
    read = user_scope(user).read
    links["stunting"] = read is None or bool(read)
    # Evaluations: read by region, and by evaluators through their assignments.
    links["evaluations"] = links["stunting"] or can(user, "evaluation.score")
    # The offline field app is the PLKB's alone (field/views.py).
    links["field"] = user.effective_role == Role.PLKB
    return {"nav": links}
