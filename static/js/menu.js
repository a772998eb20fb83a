// The top menu folds behind a "Menu" button on a phone. Loaded in <head> (no
// inline script: CSP), so the "js" class is set before the page is drawn and the
// menu never flashes open; without scripts the whole menu simply shows.
document.documentElement.classList.add("js");

// "Back" links on error pages go back in the browser's history when there is one;
// otherwise they follow their own href (the start page).
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".menu-toggle");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) return;
  button.hidden = false;

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }

  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the menu and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });

  // The link of the section the page belongs to is marked as the current one.
  var here = window.location.pathname;
  var best = null;
  menu.querySelectorAll(".topnav a").forEach(function (link) {
    var path = new URL(link.href, window.location.href).pathname;
    var matches = path === "/" ? here === "/" || here.indexOf("/dashboard/") === 0
      : here.indexOf(path) === 0;
    if (matches && (!best || path.length > best.path.length)) best = { link: link, path: path };
  });
  if (best) best.link.setAttribute("aria-current", "page");
});
