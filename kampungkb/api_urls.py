"""The REST API: one router for every app, the OpenAPI schema and its Swagger UI."""

from django.contrib.auth.decorators import login_required
from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dashboards.api import DashboardView, RefreshRunViewSet
from evaluations import api as evaluations
from stunting import api as stunting
from villages import api as villages

from .api import MeView, MyTokenView, SchemaView, TokenView

# Namespaced: the pages have their own `kampung-detail`, `proposal-list`, ...
app_name = "api"

router = DefaultRouter()
# Region codes contain dots: no ".json" suffix routes to confuse them with.
router.include_format_suffixes = False
router.register("regions", villages.RegionViewSet, basename="region")
router.register("kampung", villages.KampungViewSet, basename="kampung")
router.register(
    "classifications", villages.ClassificationViewSet, basename="classification"
)
router.register("proposals", villages.ProposalViewSet, basename="proposal")
router.register("pokja", villages.PokjaViewSet, basename="pokja")
router.register(
    "kampung-activities", villages.ActivityViewSet, basename="kampung-activity"
)
router.register("programs", villages.ProgramViewSet, basename="program")
router.register("launches", villages.LaunchViewSet, basename="launch")
router.register("targets", villages.TargetViewSet, basename="target")
router.register("officers", villages.OfficerViewSet, basename="officer")
router.register("assignments", villages.AssignmentViewSet, basename="assignment")
router.register("children", stunting.ChildViewSet, basename="child")
router.register("measurements", stunting.MeasurementViewSet, basename="measurement")
router.register(
    "reported-prevalence",
    stunting.ReportedPrevalenceViewSet,
    basename="reported-prevalence",
)
router.register("dashats", stunting.DashatViewSet, basename="dashat")
router.register(
    "dashat-beneficiaries", stunting.BeneficiaryViewSet, basename="dashat-beneficiary"
)
router.register("dashat-sessions", stunting.SessionViewSet, basename="dashat-session")
router.register("case-audits", stunting.CaseAuditViewSet, basename="case-audit")
router.register(
    "evaluation-templates", evaluations.TemplateViewSet, basename="evaluation-template"
)
router.register(
    "rubric-criteria", evaluations.CriterionViewSet, basename="rubric-criterion"
)
router.register(
    "evaluation-cycles", evaluations.CycleViewSet, basename="evaluation-cycle"
)
router.register(
    "evaluation-criteria",
    evaluations.CycleCriterionViewSet,
    basename="evaluation-criterion",
)
router.register(
    "evaluation-participants",
    evaluations.ParticipantViewSet,
    basename="evaluation-participant",
)
router.register(
    "evaluation-scores", evaluations.ScoreViewSet, basename="evaluation-score"
)
router.register(
    "evaluation-evidence", evaluations.EvidenceViewSet, basename="evaluation-evidence"
)
router.register("awards", evaluations.AwardViewSet, basename="award")
router.register("refresh-runs", RefreshRunViewSet, basename="refresh-run")

urlpatterns = [
    *router.urls,
    path("dashboard/<str:code>/", DashboardView.as_view(), name="dashboard"),
    path("me/", MeView.as_view(), name="me"),
    path("me/token/", MyTokenView.as_view(), name="my-token"),
    path("token/", TokenView.as_view(), name="token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    # A page for people: without a session it sends them to the login page. Split:
    # its start-up script is a file (docs/?script), as the CSP allows no inline one.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
]
