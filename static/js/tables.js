// Wide tables scroll sideways inside their own box. Each .table-wrap gets a frame
// that draws a shadow on the side where more columns lie, and a short hint above
// it while the table is wider than the screen. Without scripts the table still
// scrolls and its first column still stays in view (CSS).
(function () {
  var hintText = document.body.getAttribute("data-scroll-hint") || "";

  function update(wrap) {
    var frame = wrap.parentElement;
    var hidden = wrap.scrollWidth - wrap.clientWidth;
    var overflows = hidden > 1;
    frame.classList.toggle("more-left", overflows && wrap.scrollLeft > 1);
    frame.classList.toggle("more-right", overflows && wrap.scrollLeft < hidden - 1);
    frame.previousElementSibling.hidden = !overflows;
    // A box that scrolls can be scrolled with the keyboard too.
    if (overflows) wrap.setAttribute("tabindex", "0");
    else wrap.removeAttribute("tabindex");
  }

  function setUp(wrap) {
    if (wrap.parentElement.classList.contains("table-frame")) return;
    var frame = document.createElement("div");
    frame.className = "table-frame";
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.textContent = hintText;
    hint.hidden = true;
    wrap.parentNode.insertBefore(hint, wrap);
    wrap.parentNode.insertBefore(frame, wrap);
    frame.appendChild(wrap);
    wrap.addEventListener("scroll", function () { update(wrap); }, { passive: true });
    update(wrap);
  }

  var wraps = Array.prototype.slice.call(document.querySelectorAll(".table-wrap"));
  wraps.forEach(setUp);
  function updateAll() { wraps.forEach(update); }
  window.addEventListener("resize", updateAll);
  // Tables inside <details> or redrawn by a sort are measured again when shown.
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(updateAll);
    wraps.forEach(function (wrap) { observer.observe(wrap); observer.observe(wrap.firstElementChild || wrap); });
  }
  document.addEventListener("toggle", updateAll, true);
})();
