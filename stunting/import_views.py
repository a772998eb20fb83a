"""Pages for importing measurement files; the work happens in a Celery task."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from kampungkb.access import require
from kampungkb.models import Role

from . import compare, importer
from .import_forms import MeasurementUploadForm
from .models import ImportBatch, ImportStatus
from .services import measurement_import_enqueue


def _own_batch(request, pk):
    """A batch is shown to its uploader and to administrators only (404 otherwise)."""
    batches = ImportBatch.objects.select_related("uploaded_by")
    if request.user.effective_role != Role.ADMIN:
        batches = batches.filter(uploaded_by=request.user)
    return get_object_or_404(batches, pk=pk)


def upload(request):
    require(request.user, "measurement.import")
    form = MeasurementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = importer.batch_create(
            user=request.user,
            upload=form.cleaned_data["file"],
            save_valid_only=form.cleaned_data["save_valid_only"],
        )
        # Queued once saved, so the worker finds the batch. With no queue (Redis
        # down) the file is kept, the batch waits for the sweep and its page says so.
        measurement_import_enqueue(batch=batch)
        return redirect("import-detail", pk=batch.pk)
    recent = ImportBatch.objects.filter(uploaded_by=request.user)[:10]
    return render(
        request, "stunting/import_upload.html", {"form": form, "recent": recent}
    )


def batch_detail(request, pk):
    batch = _own_batch(request, pk)
    finished = batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING)
    return render(
        request,
        "stunting/import_detail.html",
        {
            "batch": batch,
            "finished": finished,
            "status": _status(batch),
            "ignored_columns": batch.report.get("ignored_columns", []),
            "zscores": (
                compare.summary(batch.report["zscore_differences"])
                if "zscore_differences" in batch.report
                else None
            ),
        },
    )


_EXPORTS = {
    "csv": (compare.rows_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        compare.rows_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def zscore_export(request, pk, extension):
    """The rows whose file z-score differs from ours, as CSV or XLSX."""
    batch = _own_batch(request, pk)
    report = batch.report.get("zscore_differences")
    if report is None:
        raise Http404
    build, content_type = _EXPORTS[extension]
    response = HttpResponse(build(report), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="selisih-zscore-impor-{batch.pk}.{extension}"'
    )
    return response


def batch_status(request, pk):
    return JsonResponse(_status(_own_batch(request, pk)))


def _status(batch):
    return {
        "status": batch.status,
        "status_label": str(batch.get_status_display()),
        "finished": batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING),
        "waiting_for_queue": batch.waiting_for_queue,
        "total_rows": batch.total_rows,
        "processed_rows": batch.processed_rows,
        "percent": batch.progress_percent,
    }
