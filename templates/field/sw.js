{% autoescape off %}// The field app's service worker (scope /lapangan/), rendered by field/views.py:
// VERSION and CONFIG come from the server, so the hashed static names are right.
const CONFIG = {{ config }};
const CACHE = "kkb-lapangan-" + VERSION;

self.addEventListener("install", function (event) {
  // Asked one by one, with the cookies: the shell and the tables need the session.
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(CONFIG.precache.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
          if (!response.ok || response.redirected) throw new Error(url + " " + response.status);
          return cache.put(url, response);
        });
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  // Older versions' caches go; the page open now is taken over at once.
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("kkb-lapangan-") === 0 && key !== CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isShell(url) {
  return url.pathname === CONFIG.shell;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // The bundle and the sync live in IndexedDB, never in this cache.
  if (CONFIG.never.indexOf(url.pathname) !== -1) return;
  if (request.mode === "navigate" && isShell(url)) {
    // Network first: a fresh shell (or the sign-in page) when there is a signal,
    // the kept one when there is none.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { return cache.put(CONFIG.shell, copy); });
        }
        return response;
      }).catch(function () {
        return caches.open(CACHE).then(function (cache) {
          return cache.match(CONFIG.shell, { ignoreSearch: true, ignoreVary: true });
        }).then(function (kept) { return kept || Response.error(); });
      })
    );
    return;
  }
  if (CONFIG.precache.indexOf(url.pathname) !== -1) {
    // The shell's files and tables: the kept copy, else the network.
    event.respondWith(
      caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname, { ignoreVary: true }).then(function (kept) {
          return kept || fetch(request);
        });
      })
    );
  }
});
{% endautoescape %}
