// A create form is sent once: after the first tap its buttons are disabled, so a
// double-tap on a slow phone does not send it twice (the server also answers a
// repeat with the first's result, see kampungkb/once.py). Only forms that carry
// a one-time token.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.querySelector('input[name="once_token"]')) return;
  // After the browser has read the form: a disabled button is not sent.
  setTimeout(function () {
    form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
      if (button.disabled) return;
      button.disabled = true;
      button.setAttribute("data-once-disabled", "");
    });
  }, 0);
});

// Back from the result page (back/forward cache): the form may be used again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("[data-once-disabled]").forEach(function (button) {
    button.disabled = false;
    button.removeAttribute("data-once-disabled");
  });
});
