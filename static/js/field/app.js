// The PLKB's field app (issue 16): works with no signal after one online visit.
// What the phone keeps lives in one IndexedDB database per user: the bundle
// (GET /lapangan/paket/), the queue of entries made here (each with an id made on
// the phone) and the device id. The queue is sent to /lapangan/sinkron/ when the
// signal returns, on start and on demand; the server answers each entry once.
(function () {
  "use strict";

  const main = document.getElementById("main");
  const T = JSON.parse(document.getElementById("field-texts").textContent);
  const C = JSON.parse(document.getElementById("field-config").textContent);
  const lang = main.dataset.lang || "id";
  const DB_NAME = "kkb-lapangan-" + C.user;
  const INDICATORS = ["haz", "waz", "whz"];
  // A z that differs more than this from the phone's is pointed out.
  const Z_TOLERANCE = 0.005;

  let db = null;
  let bundle = null; // {data: the bundle's JSON, stored_at}
  let tables = null; // the WHO tables JSON
  let queue = []; // entries, oldest first
  let deviceId = null;
  let syncing = false;
  let signedOut = false;
  let swReady = false;
  let loaded = false; // the queue is read from IndexedDB: its count may be told

  // --- Small helpers -------------------------------------------------------------

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_all, key) { return values[key]; });
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(function ([key, value]) {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function today() {
    const d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function day(iso) {
    if (!iso) return "–";
    const [y, m, d] = iso.split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString(lang, {
      day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
    });
  }

  function daysBetween(from, to) {
    const a = from.split("-").map(Number), b = to.split("-").map(Number);
    return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / 864e5);
  }

  function number(z) {
    return z.toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function cookie(name) {
    const found = document.cookie.split("; ").find(function (c) { return c.startsWith(name + "="); });
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  // --- IndexedDB -------------------------------------------------------------------

  function openDb() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        const made = request.result;
        made.createObjectStore("bundle");
        made.createObjectStore("queue", { keyPath: "id" });
        made.createObjectStore("device");
      };
      request.onsuccess = function () {
        // Sign-out clears the storage: let go of the database when asked.
        request.result.onversionchange = function () { request.result.close(); };
        resolve(request.result);
      };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(name, mode, operation) {
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(name, mode);
      const request = operation(tx.objectStore(name));
      tx.oncomplete = function () { resolve(request ? request.result : undefined); };
      tx.onerror = tx.onabort = function () { reject(tx.error); };
    });
  }

  const idb = {
    get: function (name, key) { return store(name, "readonly", function (s) { return s.get(key); }); },
    all: function (name) { return store(name, "readonly", function (s) { return s.getAll(); }); },
    put: function (name, value, key) {
      return store(name, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
    },
    del: function (name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); },
  };

  // --- What the phone keeps ----------------------------------------------------------

  function desaList() { return bundle ? bundle.data.desa : []; }

  function desaByCode(code) { return desaList().find(function (d) { return d.code === code; }); }

  function pendingChildren() {
    return queue.filter(function (e) { return e.kind === "child"; }).map(function (e) {
      return Object.assign({}, e.data, {
        key: e.id, id: null, entry: e.id, version: null, pending: true, measurements: [],
      });
    });
  }

  function allChildren() {
    const kept = (bundle ? bundle.data.children : []).map(function (c) {
      return Object.assign({ key: String(c.id), entry: null }, c);
    });
    return kept.concat(pendingChildren());
  }

  function childByKey(key) {
    return allChildren().find(function (c) { return c.key === key; });
  }

  function pendingMeasurements(child) {
    return queue.filter(function (e) {
      return e.kind === "measurement"
        && ((child.id && e.child === child.id) || (child.entry && e.child_entry === child.entry));
    });
  }

  function findDashat(id) {
    for (const desa of desaList()) {
      const found = (desa.dashats || []).find(function (d) { return d.id === id; });
      if (found) return { desa: desa, dashat: found };
    }
    return null;
  }

  function findKampung(id) {
    return desaList().find(function (d) { return d.kampung && d.kampung.id === id; });
  }

  async function saveEntry(entry) {
    const at = queue.findIndex(function (e) { return e.id === entry.id; });
    if (at === -1) {
      entry.order = queue.reduce(function (m, e) { return Math.max(m, e.order || 0); }, 0) + 1;
      queue.push(entry);
    } else {
      entry.order = queue[at].order;
      queue[at] = entry;
    }
    await idb.put("queue", entry);
  }

  async function dropEntry(id) {
    queue = queue.filter(function (e) { return e.id !== id; });
    await idb.del("queue", id);
  }

  // --- The status bar ------------------------------------------------------------------

  function showStatus() {
    if (!loaded) return;
    document.getElementById("queue-count").textContent = fmt(T.queue, { n: queue.length });
    const refused = queue.filter(function (e) { return e.status === "refused"; }).length;
    const conflicts = queue.filter(function (e) { return e.status === "conflict"; }).length;
    const attention = document.getElementById("queue-attention");
    attention.hidden = !(refused || conflicts);
    attention.firstElementChild.textContent = [
      refused ? fmt(T.refused_count, { n: refused }) : "",
      conflicts ? fmt(T.conflict_count, { n: conflicts }) : "",
    ].filter(Boolean).join(" · ");
    const age = document.getElementById("data-age");
    if (bundle) {
      const when = new Date(bundle.data.fetched_at);
      const hours = Math.max(0, Math.floor((Date.now() - when.getTime()) / 36e5));
      age.textContent = fmt(T.data_age, {
        when: when.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" }),
        hours: hours,
      });
    } else {
      age.textContent = navigator.onLine ? T.no_data : T.no_data_offline;
    }
    const net = document.getElementById("net-state");
    const ready = swReady && !!bundle && !!navigator.serviceWorker.controller;
    net.textContent = !navigator.onLine ? T.offline : ready ? T.ready : "";
    document.body.dataset.ready = ready ? "yes" : "no";
    document.body.dataset.online = navigator.onLine ? "yes" : "no";
  }

  function say(parts, className) {
    const box = document.getElementById("sync-message");
    box.replaceChildren(el("p", { className: "message " + (className || "") }, parts));
  }

  function sayMore(parts, className) {
    document.getElementById("sync-message").append(el("p", { className: "message " + (className || "") }, parts));
  }

  function saySignedOut() {
    say([el("a", { href: C.urls.login, text: T.signed_out, id: "sign-in-again" }), " ", T.signed_out_note], "error");
  }

  // --- Talking to the server -------------------------------------------------------------

  async function askJson(url, options) {
    const response = await fetch(url, Object.assign({
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    }, options || {}));
    let body = {};
    try { body = await response.json(); } catch (_error) { body = {}; }
    return { response: response, body: body };
  }

  async function loadBundle() {
    if (!navigator.onLine) return false;
    const { response, body } = await askJson(C.urls.bundle);
    if (response.status === 403 && body.signed_out) {
      signedOut = true;
      saySignedOut();
      return false;
    }
    if (!response.ok || !body.user || String(body.user.id) !== String(C.user)) {
      say([fmt(T.load_failed, { status: response.status })], "error");
      return false;
    }
    signedOut = false;
    bundle = { data: body, stored_at: new Date().toISOString() };
    await idb.put("bundle", bundle, "current");
    showStatus();
    return true;
  }

  async function loadTables() {
    try {
      const { response, body } = await askJson(C.urls.who, { cache: "default" });
      if (response.ok && body.tables) tables = body;
    } catch (_error) {
      tables = null;
    }
  }

  function wire(entry) {
    const keys = ["id", "kind", "data", "child", "child_entry", "child_version", "child_sex",
      "child_birth_date", "resolve", "phone_z", "dashat", "kampung"];
    const out = {};
    keys.forEach(function (key) { if (key in entry) out[key] = entry[key]; });
    return out;
  }

  function sendable() {
    // A measurement of a child not saved yet waits for its child.
    const held = new Set(queue.filter(function (e) {
      return e.kind === "child" && e.status !== "waiting";
    }).map(function (e) { return e.id; }));
    return queue.filter(function (e) {
      return e.status === "waiting" && !(e.kind === "measurement" && !e.child && held.has(e.child_entry));
    }).sort(function (a, b) { return a.order - b.order; });
  }

  function zNotice(entry, z) {
    const labels = (tables && tables.labels && tables.labels.indicators) || {};
    INDICATORS.forEach(function (name) {
      const phone = entry.phone_z ? entry.phone_z[name] : null;
      const server = z ? z[name] : null;
      if (phone === null || phone === undefined || server === null || server === undefined) return;
      if (Math.abs(phone - server) <= Z_TOLERANCE) return;
      sayMore([fmt(T.z_differs, {
        child: entry.label || "", date: day(entry.data.measured_on),
        indicator: labels[name] || name, phone: number(phone), server: number(server),
      })], "error z-differs");
    });
  }

  async function applySaved(entry, result) {
    const made = result.object || {};
    await dropEntry(entry.id);
    if (entry.kind === "child" && made.id) {
      // Its measurements still waiting now name the child the server made.
      for (const waiting of queue.filter(function (e) { return e.child_entry === entry.id; })) {
        waiting.child = made.id;
        waiting.child_entry = null;
        waiting.child_version = made.version || null;
        await idb.put("queue", waiting);
      }
      if (bundle) {
        bundle.data.children.push(Object.assign({}, entry.data, {
          id: made.id, version: made.version, measurements: [],
        }));
      }
    }
    if (entry.kind === "measurement") {
      zNotice(entry, made.z);
      const child = bundle && bundle.data.children.find(function (c) { return c.id === (made.child || entry.child); });
      if (child) {
        const row = Object.assign({ id: made.id }, entry.data, made.z || {});
        INDICATORS.forEach(function (name) { row[name + "_class"] = (made.classes || {})[name] || null; });
        child.measurements = [row].concat((child.measurements || []).filter(function (m) {
          return m.measured_on !== entry.data.measured_on;
        }));
      }
    }
  }

  async function sync() {
    if (syncing || !navigator.onLine || !db) return;
    const entries = sendable();
    if (!entries.length) return;
    syncing = true;
    say([T.sending]);
    const size = (bundle && bundle.data.max_entries) || 200;
    let saved = 0, attention = 0;
    try {
      for (let start = 0; start < entries.length; start += size) {
        const batch = entries.slice(start, start + size);
        const { response, body } = await askJson(C.urls.sync, {
          method: "POST",
          headers: {
            Accept: "application/json",
            "Content-Type": "application/json",
            "X-CSRFToken": cookie("csrftoken"),
          },
          body: JSON.stringify({ device: deviceId, entries: batch.map(wire) }),
        });
        if (response.status === 403 && body.signed_out) {
          signedOut = true;
          saySignedOut();
          return;
        }
        if (!response.ok || !Array.isArray(body.results)) {
          say([fmt(T.send_failed, { status: response.status })], "error");
          return;
        }
        for (const result of body.results) {
          const entry = queue.find(function (e) { return e.id === result.id; });
          if (!entry) continue;
          if (result.status === "saved") {
            saved += 1;
            await applySaved(entry, result);
          } else if (result.status === "refused" || result.status === "conflict") {
            attention += 1;
            entry.status = result.status;
            entry.errors = result.errors || null;
            entry.conflict = result.status === "conflict"
              ? { message: result.message || "", server: result.server || {}, mine: result.mine || {} }
              : null;
            await idb.put("queue", entry);
          }
        }
      }
      if (bundle) await idb.put("bundle", bundle, "current");
      const box = document.getElementById("sync-message");
      const notices = Array.from(box.querySelectorAll(".z-differs"));
      box.replaceChildren();
      if (saved) say([fmt(T.sent, { n: saved })]);
      notices.forEach(function (n) { box.append(n); });
      if (attention) sayMore([el("a", { href: "#antrean", text: T.attention })], "error");
      if (saved) await loadBundle();
    } catch (_error) {
      say([fmt(T.send_failed, { status: "—" })], "error");
    } finally {
      syncing = false;
      showStatus();
      refreshView();
    }
  }

  // --- Screens ----------------------------------------------------------------------------

  const screen = document.getElementById("screen");

  function ageMonths(child, on) {
    const days = daysBetween(child.birth_date, on || today());
    return Math.max(0, Math.floor(days / 30.4375));
  }

  function classLabel(name, code) {
    if (!code) return "";
    const labels = tables && tables.labels && tables.labels[name];
    return (labels && labels[code]) || code;
  }

  function zText(name, z, code) {
    if (z === null || z === undefined) return "–";
    const label = classLabel(name, code);
    return number(Number(z)) + (label ? " " + label : "");
  }

  function indicatorName(name) {
    return (tables && tables.labels && tables.labels.indicators && tables.labels.indicators[name])
      || name.toUpperCase();
  }

  function backLink(href, text) {
    return el("p", { className: "back" }, [el("a", { href: href, text: "‹ " + text })]);
  }

  function renderHome() {
    const rows = desaList().map(function (desa) {
      const count = allChildren().filter(function (c) { return c.region === desa.code; }).length;
      return el("li", {}, [
        el("a", { href: "#desa/" + desa.code, text: desa.name }),
        el("span", { className: "muted small", text: desa.kecamatan + " · " + fmt(T.child_count, { n: count }) }),
      ]);
    });
    return [
      el("h1", { text: T.my_desa }),
      el("ul", { className: "rows desa-list" }, rows),
      el("p", {}, [el("a", { href: "#antrean", className: "button secondary", text: T.queue_link + " (" + queue.length + ")" })]),
    ];
  }

  function lastMeasured(child) {
    const waiting = pendingMeasurements(child).map(function (e) { return e.data.measured_on; });
    const kept = (child.measurements || []).map(function (m) { return m.measured_on; });
    const dates = waiting.concat(kept).sort();
    return dates.length ? fmt(T.last_measured, { date: day(dates[dates.length - 1]) }) : T.never_measured;
  }

  function renderDesa(code) {
    const desa = desaByCode(code);
    if (!desa) return [el("p", { text: T.not_found })];
    const children = allChildren().filter(function (c) { return c.region === code; })
      .sort(function (a, b) { return a.name.localeCompare(b.name, lang); });
    const actions = [el("a", { className: "button small", href: "#anak-baru/" + code, text: T.add_child })];
    (desa.dashats || []).forEach(function (dashat) {
      actions.push(el("a", { className: "button small secondary", href: "#sesi/" + dashat.id, text: T.session + ": " + dashat.name }));
    });
    if (desa.kampung) {
      actions.push(el("a", { className: "button small secondary", href: "#kegiatan/" + desa.kampung.id, text: T.activity }));
    }
    const rows = children.map(function (child) {
      return el("li", { className: "child-row" }, [
        el("span", {}, [
          el("a", { href: "#anak/" + child.key, text: child.name }),
          child.pending ? el("span", { className: "badge pending", text: T.not_sent }) : null,
          el("br"),
          el("span", { className: "muted small", text: fmt(T.age_months, { n: ageMonths(child) }) + " · " + lastMeasured(child) }),
        ]),
        el("a", { href: "#ukur/" + child.key, className: "button small", text: T.measure }),
      ]);
    });
    return [
      backLink("#", T.back_home),
      el("h1", { text: desa.name }),
      el("p", { className: "lead", text: desa.kecamatan + (desa.kampung ? " · " + desa.kampung.name : "") }),
      el("div", { className: "actions field-actions" }, actions),
      el("h2", { text: T.children }),
      rows.length ? el("ul", { className: "rows child-list" }, rows) : el("p", { className: "muted", text: T.no_children }),
    ];
  }

  function measurementRow(m, pending) {
    const cells = [
      el("td", {}, [day(m.measured_on), pending ? el("span", { className: "badge pending", text: T.not_sent }) : null]),
      el("td", { className: "num", text: m.weight_kg ? String(m.weight_kg) : "–" }),
      el("td", { className: "num", text: m.height_cm ? String(m.height_cm) : "–" }),
    ];
    INDICATORS.forEach(function (name) {
      cells.push(el("td", { className: "num z-" + name, text: zText(name, m[name], m[name + "_class"]) }));
    });
    return el("tr", { className: pending ? "pending" : null }, cells);
  }

  function renderChild(key) {
    const child = childByKey(key);
    if (!child) return [el("p", { text: T.not_found })];
    const pending = pendingMeasurements(child).map(function (e) {
      const row = Object.assign({}, e.data, e.phone_z || {});
      INDICATORS.forEach(function (name) { row[name + "_class"] = e.phone_classes ? e.phone_classes[name] : null; });
      return measurementRow(row, true);
    });
    const kept = (child.measurements || []).map(function (m) { return measurementRow(m, false); });
    const head = [T.date, T.weight, T.height].concat(INDICATORS.map(indicatorName));
    return [
      backLink("#desa/" + child.region, (desaByCode(child.region) || {}).name || T.back_home),
      el("h1", {}, [child.name, child.pending ? el("span", { className: "badge pending", text: T.not_sent }) : null]),
      el("p", { className: "lead", text: (C.choices.sex[child.sex] || child.sex) + " · " + fmt(T.born, { date: day(child.birth_date) })
        + " · " + fmt(T.age_months, { n: ageMonths(child) }) + (child.posyandu ? " · " + child.posyandu : "") }),
      el("p", {}, [el("a", { href: "#ukur/" + child.key, className: "button", text: T.measure })]),
      el("h2", { text: T.measurements }),
      pending.length || kept.length
        ? el("div", { className: "table-wrap" }, [el("table", { className: "data compact measurements" }, [
          el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
          el("tbody", {}, pending.concat(kept)),
        ])])
        : el("p", { className: "muted", text: T.never_measured }),
      pending.length ? el("p", { className: "muted small", text: T.phone_z }) : null,
    ];
  }

  // Forms: the shell's <template>s, labelled by the server in the page's language.

  function formFrom(kind) {
    return document.getElementById("tpl-" + kind).content.firstElementChild.cloneNode(true);
  }

  function fill(form, data) {
    Object.entries(data || {}).forEach(function ([name, value]) {
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (input.type === "radio") input.checked = input.value === String(value);
        else if (input.type === "checkbox" && Array.isArray(value)) input.checked = value.map(String).includes(input.value);
        else if (input.type === "checkbox") input.checked = !!value;
        else input.value = value === null || value === undefined ? "" : String(value);
      });
    });
  }

  function read(form) {
    const data = {};
    Array.from(form.elements).forEach(function (input) {
      if (!input.name) return;
      if (input.type === "radio") {
        if (!(input.name in data)) data[input.name] = "";
        if (input.checked) data[input.name] = input.value;
      } else if (input.type === "checkbox" && input.closest("[data-beneficiaries]")) {
        data[input.name] = data[input.name] || [];
        if (input.checked) data[input.name].push(Number(input.value));
      } else if (input.type === "checkbox") {
        data[input.name] = input.checked;
      } else {
        data[input.name] = input.value.trim();
      }
    });
    return data;
  }

  // A field's name in the form of its kind of entry; a child's sex and birth date
  // also appear in a measurement's conflict.
  function fieldLabel(kind, name) {
    return (C.labels[kind] || {})[name] || C.labels.common[name] || C.labels.child[name] || name;
  }

  function showErrors(form, errors) {
    form.querySelectorAll(".field").forEach(function (box) {
      box.classList.remove("invalid");
      const old = box.querySelector(".errorlist");
      if (old) old.remove();
    });
    const top = form.querySelector("[data-errors='__all__']");
    top.replaceChildren();
    top.hidden = true;
    let first = null;
    Object.entries(errors || {}).forEach(function ([name, messages]) {
      const list = el("ul", { className: "errorlist" }, [].concat(messages).map(function (m) {
        return el("li", { text: typeof m === "string" ? m : (m.message || JSON.stringify(m)) });
      }));
      const box = form.querySelector("[data-field='" + name + "']");
      if (box && !box.hidden) {
        box.classList.add("invalid");
        box.append(list);
        first = first || box;
      } else {
        const label = name === "__all__" ? "" : fieldLabel(form.dataset.kind, name);
        if (label) list.prepend(el("li", { text: label + ":" }));
        top.append(list);
        top.hidden = false;
        first = first || top;
      }
    });
    if (first) first.scrollIntoView({ block: "center" });
  }

  function required(data, names) {
    const errors = {};
    names.forEach(function (name) {
      if (data[name] === "" || data[name] === undefined) errors[name] = [T.required];
    });
    return errors;
  }

  function editing(id, kind) {
    const entry = id ? queue.find(function (e) { return e.id === id && e.kind === kind; }) : null;
    return entry || null;
  }

  function formScreen(kind, title, back, entry, defaults, onSubmit) {
    const form = formFrom(kind);
    fill(form, entry ? entry.data : defaults);
    form.querySelector("[data-cancel]").setAttribute("href", back);
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const data = read(form);
      const made = await onSubmit(data, form);
      if (!made) return;
      if (entry) {
        made.id = entry.id;
        made.resolve = entry.resolve || null;
      }
      await saveEntry(made);
      showStatus();
      say([T.saved_local]);
      location.hash = back;
      if (navigator.onLine) sync();
    });
    if (entry && entry.errors) showErrors(form, entry.errors);
    return [backLink(back, T.back), el("h1", { text: title }), form];
  }

  function newEntry(kind, fields) {
    return Object.assign({
      id: crypto.randomUUID(), kind: kind, status: "waiting", errors: null, conflict: null,
      created_at: new Date().toISOString(),
    }, fields);
  }

  function scoreNow(form, child) {
    const out = form.querySelector("#f-score");
    const data = read(form);
    if (!data.weight_kg && !data.height_cm) { out.textContent = T.score_hint; return null; }
    if (!tables || !window.KKBGrowth) { out.textContent = T.no_tables; return null; }
    if (!data.measured_on) { out.textContent = T.score_hint; return null; }
    const age = window.KKBGrowth.ageDays(child.birth_date, data.measured_on);
    if (age < 0) { out.textContent = T.before_birth; return null; }
    const result = window.KKBGrowth.score(tables, {
      sex: child.sex, age_days: age,
      weight_kg: data.weight_kg ? Number(data.weight_kg) : null,
      height_cm: data.height_cm ? Number(data.height_cm) : null,
      measured: data.measured || "", oedema: !!data.oedema,
    });
    const lines = INDICATORS.map(function (name) {
      const z = result[name];
      let text = indicatorName(name) + ": " + (z === null ? "–" : number(z));
      const label = classLabel(name, result[name + "_class"]);
      if (label) text += " — " + label;
      if (result.flags && result.flags[name]) text += " (" + T.implausible + ")";
      return el("li", { className: result.flags && result.flags[name] ? "errorlist" : "", text: text, "data-z": name });
    });
    INDICATORS.forEach(function (name) {
      const code = result.reasons && result.reasons[name];
      if (code) {
        const reasons = (tables.labels && tables.labels.reasons) || {};
        lines.push(el("li", { className: "muted", text: indicatorName(name) + ": " + (reasons[code] || code) }));
      }
    });
    lines.push(el("li", { className: "muted", text: T.age_days + " " + age }));
    out.replaceChildren(el("ul", { className: "score-list" }, lines));
    return result;
  }

  function renderMeasurement(key, entryId) {
    const child = childByKey(key);
    if (!child) return [el("p", { text: T.not_found })];
    const entry = editing(entryId, "measurement");
    const on = today();
    const parts = formScreen("measurement", T.measure + " — " + child.name, "#anak/" + child.key, entry, {
      measured_on: on,
      measured: daysBetween(child.birth_date, on) < 731 ? "lying" : "standing",
      oedema: false,
      place: "posyandu",
      posyandu: child.posyandu || "",
    }, function (data) {
      const errors = required(data, ["measured_on", "measured", "place"]);
      if (!data.weight_kg && !data.height_cm) errors.weight_kg = [T.weight_or_height];
      if (Object.keys(errors).length) { showErrors(form, errors); return null; }
      const result = scoreNow(form, child);
      const phoneZ = {}, classes = {};
      INDICATORS.forEach(function (name) {
        phoneZ[name] = result ? result[name] : null;
        classes[name] = result ? result[name + "_class"] : null;
      });
      return newEntry("measurement", {
        child: child.id || null,
        child_entry: child.id ? null : child.entry,
        child_version: child.version || null,
        child_sex: child.sex,
        child_birth_date: child.birth_date,
        resolve: null,
        phone_z: phoneZ,
        phone_classes: classes,
        label: child.name,
        data: {
          measured_on: data.measured_on, weight_kg: data.weight_kg, height_cm: data.height_cm,
          measured: data.measured, oedema: data.oedema, place: data.place, posyandu: data.posyandu,
        },
      });
    });
    const form = parts[2];
    form.addEventListener("input", function () { scoreNow(form, child); });
    form.addEventListener("change", function () { scoreNow(form, child); });
    scoreNow(form, child);
    return parts;
  }

  function renderNewChild(code, entryId) {
    const desa = desaByCode(code);
    if (!desa) return [el("p", { text: T.not_found })];
    const entry = editing(entryId, "child");
    const parts = formScreen("child", T.new_child + " — " + desa.name, "#desa/" + code, entry, {
      region: code, sex: "", posyandu: "",
    }, function (data) {
      const errors = required(data, ["name", "sex", "birth_date"]);
      if (Object.keys(errors).length) { showErrors(parts[2], errors); return null; }
      data.region = code;
      return newEntry("child", { label: data.name, data: data });
    });
    return parts;
  }

  function renderSession(dashatId, entryId) {
    const found = findDashat(Number(dashatId));
    if (!found) return [el("p", { text: T.not_found })];
    const entry = editing(entryId, "dashat_session");
    const parts = formScreen("dashat_session", T.session + " — " + found.dashat.name, "#desa/" + found.desa.code, entry, {
      date: today(), beneficiaries_present: [],
    }, function (data) {
      const errors = required(data, ["date", "menu", "portions"]);
      if (Object.keys(errors).length) { showErrors(parts[2], errors); return null; }
      return newEntry("dashat_session", {
        dashat: found.dashat.id, label: found.dashat.name,
        data: {
          date: data.date, menu: data.menu, portions: Number(data.portions),
          beneficiaries_present: data.beneficiaries_present || [],
        },
      });
    });
    const box = parts[2].querySelector("[data-beneficiaries]");
    const present = entry ? entry.data.beneficiaries_present.map(Number) : [];
    found.dashat.beneficiaries.forEach(function (b) {
      box.append(el("label", {}, [
        el("input", { type: "checkbox", name: "beneficiaries_present", value: b.id, checked: present.includes(b.id) }),
        " " + b.label,
      ]));
    });
    return parts;
  }

  function renderActivity(kampungId, entryId) {
    const desa = findKampung(Number(kampungId));
    if (!desa) return [el("p", { text: T.not_found })];
    const entry = editing(entryId, "activity");
    const parts = formScreen("activity", T.activity + " — " + desa.kampung.name, "#desa/" + desa.code, entry, {
      held_on: today(),
    }, function (data) {
      const errors = required(data, ["held_on", "title"]);
      if (Object.keys(errors).length) { showErrors(parts[2], errors); return null; }
      return newEntry("activity", {
        kampung: desa.kampung.id, label: data.title,
        data: {
          held_on: data.held_on, title: data.title, note: data.note,
          participants: data.participants === "" ? null : Number(data.participants),
        },
      });
    });
    return parts;
  }

  function entryRoute(entry) {
    if (entry.kind === "measurement") {
      return "#ukur/" + (entry.child ? String(entry.child) : entry.child_entry) + "/" + entry.id;
    }
    if (entry.kind === "child") return "#anak-baru/" + entry.data.region + "/" + entry.id;
    if (entry.kind === "dashat_session") return "#sesi/" + entry.dashat + "/" + entry.id;
    return "#kegiatan/" + entry.kampung + "/" + entry.id;
  }

  function entryWhen(entry) {
    return day(entry.data.measured_on || entry.data.date || entry.data.held_on || entry.data.birth_date);
  }

  function shown(value, key) {
    if (value === null || value === undefined || value === "") return "–";
    if (key === "measured" && C.choices.measured[value]) return C.choices.measured[value];
    if (key === "measured_on") return day(value);
    if (key === "entered_at") return new Date(value).toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    if (value === true) return T.yes;
    if (value === false) return T.no;
    if (typeof value === "number") return Number.isInteger(value) ? String(value) : number(value);
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function conflictTable(kind, conflict) {
    const flat = function (obj) {
      const out = {};
      Object.entries(obj || {}).forEach(function ([key, value]) {
        if (value && typeof value === "object" && !Array.isArray(value)) {
          Object.entries(value).forEach(function ([k, v]) { out[k] = v; });
        } else {
          out[key] = value;
        }
      });
      return out;
    };
    const server = flat(conflict.server), mine = flat(conflict.mine);
    // The server's row id means nothing to the officer.
    const keys = Array.from(new Set(Object.keys(server).concat(Object.keys(mine))))
      .filter(function (key) { return key !== "id"; });
    const rows = keys.map(function (key) {
      const differs = key in server && key in mine && shown(server[key], key) !== shown(mine[key], key);
      return el("tr", { className: differs ? "differs" : null }, [
        el("th", { scope: "row", text: INDICATORS.includes(key) ? indicatorName(key) : fieldLabel(kind, key) }),
        el("td", { className: "server-value", text: shown(server[key], key) }),
        el("td", { className: "mine-value", text: shown(mine[key], key) }),
      ]);
    });
    return el("div", { className: "table-wrap" }, [el("table", { className: "data compact conflict" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col", text: T.field }), el("th", { scope: "col", text: T.server }), el("th", { scope: "col", text: T.mine }),
      ])]),
      el("tbody", {}, rows),
    ])]);
  }

  function renderQueue() {
    const items = queue.slice().sort(function (a, b) { return a.order - b.order; }).map(function (entry) {
      const status = el("span", { className: "badge status-" + entry.status, text: T["status_" + entry.status] });
      const body = [
        el("h3", {}, [T["kind_" + entry.kind] + ": " + (entry.label || ""), " ", status]),
        el("p", { className: "muted small", text: entryWhen(entry) }),
      ];
      if (entry.status === "refused") {
        const list = el("ul", { className: "errorlist" });
        Object.entries(entry.errors || {}).forEach(function ([name, messages]) {
          [].concat(messages).forEach(function (m) {
            const label = name === "__all__" ? "" : fieldLabel(entry.kind, name) + ": ";
            list.append(el("li", { text: label + (typeof m === "string" ? m : JSON.stringify(m)) }));
          });
        });
        body.push(list);
        body.push(el("div", { className: "actions" }, [
          el("a", { className: "button small", href: entryRoute(entry), text: T.fix }),
          el("button", { type: "button", className: "link danger", text: T.drop, onclick: async function () {
            if (!window.confirm(T.drop_confirm)) return;
            await dropEntry(entry.id);
            showStatus();
            render();
          } }),
        ]));
      }
      if (entry.status === "conflict" && entry.conflict) {
        body.push(el("p", { className: "message error", text: entry.conflict.message }));
        body.push(conflictTable(entry.kind, entry.conflict));
        body.push(el("div", { className: "actions" }, [
          el("button", { type: "button", className: "button secondary", text: T.use_server, onclick: async function () {
            await dropEntry(entry.id);
            showStatus();
            render();
          } }),
          el("button", { type: "button", className: "button", text: T.use_mine, onclick: async function () {
            entry.resolve = "overwrite";
            entry.status = "waiting";
            entry.conflict = null;
            await idb.put("queue", entry);
            showStatus();
            render();
            sync();
          } }),
        ]));
      }
      return el("li", { className: "card queue-entry", "data-entry": entry.id }, body);
    });
    return [
      backLink("#", T.back_home),
      el("h1", { text: T.queue_title }),
      items.length ? el("ol", { className: "queue" }, items) : el("p", { className: "muted", text: T.queue_empty }),
    ];
  }

  function render() {
    const [route, a, b] = location.hash.replace(/^#/, "").split("/");
    let parts;
    if (!bundle && route !== "antrean") parts = [];
    else if (route === "desa") parts = renderDesa(a);
    else if (route === "anak") parts = renderChild(a);
    else if (route === "ukur") parts = renderMeasurement(a, b);
    else if (route === "anak-baru") parts = renderNewChild(a, b);
    else if (route === "sesi") parts = renderSession(a, b);
    else if (route === "kegiatan") parts = renderActivity(a, b);
    else if (route === "antrean") parts = renderQueue();
    else parts = renderHome();
    screen.replaceChildren.apply(screen, parts.filter(Boolean));
  }

  // A form being filled in is never drawn again under the officer's thumbs.
  function refreshView() {
    const route = location.hash.replace(/^#/, "").split("/")[0];
    if (["ukur", "anak-baru", "sesi", "kegiatan"].includes(route) && screen.querySelector("form")) return;
    render();
  }

  // --- Start ---------------------------------------------------------------------------------

  async function start() {
    db = await openDb();
    deviceId = await idb.get("device", "id");
    if (!deviceId) {
      deviceId = crypto.randomUUID();
      await idb.put("device", deviceId, "id");
    }
    bundle = (await idb.get("bundle", "current")) || null;
    queue = (await idb.all("queue")).sort(function (a, b) { return a.order - b.order; });
    loaded = true;
    await loadTables();
    showStatus();
    render();
    if (navigator.onLine) {
      await sync();
      if (!signedOut) await loadBundle();
      refreshView();
    }
    showStatus();
  }

  document.getElementById("send-now").addEventListener("click", function () {
    if (!navigator.onLine) { say([T.offline]); return; }
    if (!sendable().length) { say([T.nothing_to_send]); return; }
    sync();
  });
  document.getElementById("refresh").addEventListener("click", async function () {
    if (!navigator.onLine) { say([T.offline]); return; }
    say([T.loading]);
    if (await loadBundle()) {
      document.getElementById("sync-message").replaceChildren();
      await loadTables();
      refreshView();
    }
  });
  window.addEventListener("hashchange", render);
  window.addEventListener("online", function () { showStatus(); sync(); });
  window.addEventListener("offline", showStatus);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(C.urls.sw, { scope: C.urls.scope }).catch(function () {});
    navigator.serviceWorker.ready.then(function () { swReady = true; showStatus(); });
    navigator.serviceWorker.addEventListener("controllerchange", showStatus);
  }
  start();
})();
