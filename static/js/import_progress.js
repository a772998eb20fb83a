/* Import page: follows the worker's progress until the file is done, then reloads
   to show the outcome. The status address is the progress bar's data-status-url. */
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) {
    return;
  }
  var url = bar.getAttribute("data-status-url");
  function poll() {
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.finished) { window.location.reload(); return; }
      document.getElementById("import-status").textContent = s.status_label;
      document.getElementById("import-waiting").hidden = !s.waiting_for_queue;
      bar.value = s.percent;
      document.getElementById("import-processed").textContent = s.processed_rows.toLocaleString("id-ID");
      document.getElementById("import-total").textContent = s.total_rows.toLocaleString("id-ID");
      setTimeout(poll, 1000);
    }).catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
