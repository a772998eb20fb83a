// A box of codes (kampungkb/choices.py) becomes a search box: type a name or a
// code, pick with a tap or the arrow keys and Enter. The codes still travel in
// the original field, so without this script the user types them and the form
// checks them the same way. No library: the page loads nothing from elsewhere.
(function () {
  "use strict";

  var DELAY_MS = 250;
  var counter = 0;

  function codesOf(value) {
    return value.split(/[\s,]+/).filter(function (code) { return code; });
  }

  function enhance(original) {
    var url = original.getAttribute("data-choice-search");
    var multiple = original.getAttribute("data-choice-multiple") === "1";
    var labels = JSON.parse(original.getAttribute("data-choice-labels") || "{}");
    var texts = JSON.parse(original.getAttribute("data-choice-texts") || "{}");
    var id = original.id || "choice-" + (++counter);
    var chosen = codesOf(original.value);

    var wrap = document.createElement("div");
    wrap.className = "choice-search";
    var chips = document.createElement("ul");
    chips.className = "choice-chips";
    var box = document.createElement("input");
    box.type = "text";
    box.id = id;
    box.autocomplete = "off";
    box.spellcheck = false;
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", id + "-list");
    ["aria-describedby", "aria-invalid", "placeholder", "required"].forEach(function (name) {
      if (original.hasAttribute(name)) box.setAttribute(name, original.getAttribute(name));
    });
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "choice-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "choice-status";
    status.setAttribute("role", "status");

    original.type = "hidden";
    original.removeAttribute("id");
    original.parentNode.insertBefore(wrap, original);
    wrap.appendChild(original);
    if (multiple) wrap.appendChild(chips);
    wrap.appendChild(box);
    wrap.appendChild(list);
    wrap.appendChild(status);

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function labelOf(code) { return labels[code] || code; }

    function store() { original.value = chosen.join(", "); }

    function drawChips() {
      chips.textContent = "";
      chosen.forEach(function (code) {
        var item = document.createElement("li");
        item.textContent = labelOf(code) + " ";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", (texts.remove || "%(label)s").replace("%(label)s", labelOf(code)));
        remove.addEventListener("click", function () {
          chosen = chosen.filter(function (c) { return c !== code; });
          store();
          drawChips();
          box.focus();
        });
        item.appendChild(remove);
        chips.appendChild(item);
      });
    }

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function pick(result) {
      labels[result.code] = result.label;
      if (multiple) {
        if (chosen.indexOf(result.code) < 0) chosen.push(result.code);
        box.value = "";
        drawChips();
      } else {
        chosen = [result.code];
        box.value = result.label;
      }
      store();
      status.textContent = "";
      close();
    }

    function draw(found, more) {
      results = found;
      list.textContent = "";
      found.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = result.label;
        // mousedown, not click: the box keeps its focus and the list stays.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(result);
        });
        list.appendChild(item);
      });
      list.hidden = !found.length;
      box.setAttribute("aria-expanded", found.length ? "true" : "false");
      if (!found.length) status.textContent = texts.none || "";
      else if (more) status.textContent = (texts.more || "").replace("%(count)s", found.length);
      else status.textContent = "";
      active = -1;
    }

    function search() {
      var mine = ++asked;
      status.textContent = texts.searching || "";
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(box.value.trim());
      fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) { if (mine === asked) draw(data.results || [], data.more); })
        .catch(function () {
          if (mine !== asked) return;
          close();
          status.textContent = texts.failed || "";
        });
    }

    box.addEventListener("input", function () {
      if (!multiple) {
        // A typed code counts until something is picked; the form checks it.
        chosen = codesOf(box.value).slice(0, 1);
        store();
      }
      // What was listed for the earlier text is stale: never pick from it.
      asked++;
      close();
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    box.addEventListener("focus", function () {
      if (!box.value && list.hidden) search();
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) search(); else highlight(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        pick(results[active]);
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Backspace" && multiple && !box.value && chosen.length) {
        chosen.pop();
        store();
        drawChips();
      }
    });
    box.addEventListener("blur", function () {
      close();
      if (multiple && box.value.trim()) {
        // Codes typed into a multiple box are kept as typed; the form checks them.
        codesOf(box.value).forEach(function (code) {
          if (chosen.indexOf(code) < 0) chosen.push(code);
        });
        box.value = "";
        store();
        drawChips();
      }
    });

    if (multiple) drawChips();
    else if (chosen.length) box.value = labelOf(chosen[0]);
  }

  function start() {
    document.querySelectorAll("input[data-choice-search]").forEach(enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
