/* Measurement form: live z-scores (a file, not inline: the CSP forbids inline scripts). */
// Ask the server for the z-scores as values are typed: the WHO tables stay in one place.
(function () {
  var form = document.getElementById("measurement-form");
  var out = document.getElementById("score-result");
  var lang = document.documentElement.lang || "id";
  var fields = ["measured_on", "weight_kg", "height_cm", "measured"];
  var timer, asked = 0;

  function query() {
    var data = new FormData(form), q = new URLSearchParams();
    fields.forEach(function (name) { if (data.get(name)) q.set(name, data.get(name)); });
    if (data.get("oedema")) q.set("oedema", "on");
    return q;
  }
  function line(text, className) {
    var li = document.createElement("li");
    li.textContent = text;
    if (className) li.className = className;
    return li;
  }
  function number(z) {
    return z.toLocaleString(lang, {minimumFractionDigits: 2, maximumFractionDigits: 2});
  }
  function show(ok, body) {
    var list = document.createElement("ul");
    list.className = "score-list";
    if (!ok) {
      out.replaceChildren(document.createTextNode(out.dataset.check), list);
      Object.keys(body.errors || {}).forEach(function (name) {
        body.errors[name].forEach(function (m) { list.appendChild(line(m, "errorlist")); });
      });
      return;
    }
    body.indicators.forEach(function (i) {
      var text = i.name + ": " + (i.z === null ? "–" : number(i.z));
      if (i.label) text += " — " + i.label;
      if (i.implausible) text += " (" + out.dataset.implausible + ")";
      list.appendChild(line(text, i.implausible ? "errorlist" : ""));
    });
    body.reasons.forEach(function (r) { list.appendChild(line(r, "muted")); });
    list.appendChild(line(out.dataset.age + " " + body.age_days, "muted"));
    out.replaceChildren(list);
  }
  function update() {
    var q = query();
    if (!q.get("weight_kg") && !q.get("height_cm")) { out.textContent = out.dataset.hint; return; }
    var mine = ++asked;
    fetch(form.dataset.scoreUrl + "?" + q.toString(), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) { if (mine === asked) show(res[0], res[1]); })
      .catch(function () {});
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
  form.addEventListener("change", update);
  update();
})();
