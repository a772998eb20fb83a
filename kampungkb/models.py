from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person who signs in; roles and region scope hang off this model."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
