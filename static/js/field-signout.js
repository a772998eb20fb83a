// Before signing out, a PLKB whose field app still holds unsent entries on this
// device is told that they will be lost: sign-out clears the device's data
// (the logout answer's Clear-Site-Data). On every page, from base.html and the
// field app's shell.
(function () {
  "use strict";

  function csrfFromCookie() {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf("csrftoken=") === 0; })[0];
    return found ? decodeURIComponent(found.slice("csrftoken=".length)) : "";
  }

  // How many entries wait in the user's field queue; 0 without one (never made here).
  function unsent(user) {
    var name = "kkb-lapangan-" + user;
    if (!window.indexedDB || !indexedDB.databases) return Promise.resolve(0);
    return indexedDB.databases().then(function (list) {
      if (!list.some(function (d) { return d.name === name; })) return 0;
      return new Promise(function (resolve) {
        var request = indexedDB.open(name);
        request.onerror = function () { resolve(0); };
        request.onsuccess = function () {
          var db = request.result;
          try {
            var count = db.transaction("queue").objectStore("queue").count();
            count.onsuccess = function () { db.close(); resolve(count.result); };
            count.onerror = function () { db.close(); resolve(0); };
          } catch (error) {
            db.close();
            resolve(0);
          }
        };
      });
    }).catch(function () { return 0; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-field-user]") || form.dataset.checked) return;
    event.preventDefault();
    // The field app's kept shell may carry an old token; the cookie's is current.
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var fresh = csrfFromCookie();
    if (token && fresh) token.value = fresh;
    unsent(form.dataset.fieldUser).then(function (n) {
      if (n && !window.confirm(form.dataset.unsent.replace("%(n)s", n))) return;
      form.dataset.checked = "yes";
      form.submit();
    });
  });
})();
