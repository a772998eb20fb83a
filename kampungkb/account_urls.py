"""Pages for one's own account and for staff managing the accounts of their region."""

urlpatterns = []
