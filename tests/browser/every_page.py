"""The parts of the every-page walk: which pages, and what is wrong on one.

The page set comes from the URL patterns (one path per pattern and role), filled
with real objects found by following the pages' own links, as the role sees them.
The checks run in the page (JavaScript) and return what a person would see: a page
wider than the screen, text hidden under another element, Indonesian left in the
English pages, a bare error page.
"""

import re
from pathlib import Path

from django.test import Client

from tests.urlwalk import url_patterns, walk

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Not pages: actions that answer only POST (a GET redirects or is refused), and
# files or JSON for the pages' own scripts.
NOT_PAGES = {
    "logout",
    "set_language",
    "officer-unassign",
    "dashat-enrol",
    "dashat-session",
    "evaluation-open",
    "evaluation-close",
    "evaluation-accept",
    "evaluation-krppa",
    "evaluation-award-delete",
    "evaluation-evidence-upload",
    "evaluation-evidence-delete",
    "evaluation-evidence",
    "proposal-evidence",
    "evaluation-export",
    "import-status",
    "import-zscore-csv",
    "import-zscore-xlsx",
    "measurement-score",
    "dashboard-export-csv",
    "dashboard-export-xlsx",
    "register-template",
    "healthz",
    # The field app's service worker and manifest (its shell is a page).
    "field-sw",
    "field-manifest",
}
MAX_PAGES = 120  # per role: each pattern once, so the set is bounded by the patterns

# Django's own error pages, as they read when a project brings none of its own.
BARE_ERROR_TEXTS = (
    "The requested resource was not found on this server.",
    "403 Forbidden",
    "Server Error (500)",
    "Bad Request (400)",
    "CSRF verification failed",
    "Permission denied",
)

# Indonesian function words that never belong in English buttons, labels, headings
# or table headers (region, kampung and people's names contain none of them).
INDONESIAN_WORDS = {
    "yang",
    "dan",
    "untuk",
    "dari",
    "dengan",
    "pada",
    "oleh",
    "tidak",
    "belum",
    "sudah",
    "atau",
    "ini",
    "itu",
    "adalah",
    "tanpa",
    "setiap",
    "semua",
    "simpan",
    "ubah",
    "hapus",
    "tambah",
    "kembali",
    "batal",
    "unduh",
    "lihat",
    "cari",
    "tahun",
    "bulan",
    "anak",
    "wilayah",
    "lain",
    "kelurahan",
    "kecamatan",
    "kabupaten",
}


def page_patterns():
    """Every page pattern: not the API's (JSON; its Swagger page is a third
    party's) nor the admin's (Django's own), nor NOT_PAGES."""
    return [
        p
        for p in url_patterns()
        if p.name and ":" not in p.name and p.app not in ("admin", "api")
        if p.name not in NOT_PAGES
    ]


def reachable_pages(user, fallback=None):
    """{view name: path} of the HTML pages `user` can open, each pattern once.

    Starts from the patterns without arguments and follows the links each page
    shows (breadth first, bounded); a pattern no link of the user's reaches takes
    the path another walk found (`fallback`, view name -> path). Also gives, for
    the patterns the user may not open, {status: path} of one example each.
    """
    client = Client(raise_request_exception=False)
    client.force_login(user)
    found = walk(
        client, page_patterns(), fallback=fallback, max_pages=MAX_PAGES, guess=False
    )
    return found.pages, found.refused, found.found


def catalogue():
    """(exact, formatted) of the English catalogue's entries whose English differs.

    exact: {Indonesian msgid: English}; formatted: [(regex of a msgid with
    %(name)s placeholders, msgid)] for the strings that carry values.
    """
    entries, entry, key, fuzzy = [], {}, None, False
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and not fuzzy:
                entries.append(entry)
            entry, key, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            entry[key] += _unquote(line)
        else:
            key, _space, value = line.partition(" ")
            entry[key] = _unquote(value)
    exact, formatted = {}, []
    # A msgid with a context ("plural") may read the same as one without, where
    # English keeps the Indonesian word: the text on the page is then either.
    plain = {e.get("msgid") for e in entries if "msgctxt" not in e}
    for entry in entries:
        if "msgctxt" in entry and entry.get("msgid") in plain:
            continue
        english = entry.get("msgstr", entry.get("msgstr[0]", ""))
        for msgid in (entry.get("msgid", ""), entry.get("msgid_plural", "")):
            text = " ".join(msgid.split())
            if not text or not english or english == msgid:
                continue
            if "%(" in text or "%s" in text or "%d" in text:
                literal = re.sub(r"%\(\w+\)[sdfi]|%[sdi]", " ", text)
                # Too little fixed text to tell the string from any other.
                if len(re.findall(r"[A-Za-z]{3,}", literal)) >= 2:
                    parts = re.split(r"%\(\w+\)[sdfi]|%[sdi]|%\(\w+\)\.\d+f", text)
                    formatted.append(
                        (re.compile("(.+?)".join(map(re.escape, parts))), text)
                    )
            elif re.search(r"[A-Za-z]{2,}", text):
                exact[text] = english
    return exact, formatted


def _unquote(value):
    value = value.strip()
    if value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def untranslated(texts, exact, formatted, data):
    """The UI texts of an English page that are still Indonesian.

    texts: [(kind, text)] from TEXTS_JS; kind "chrome" for labels, buttons,
    headings and table headers, "text" for any other visible text. `data` holds the
    stored values (names, notes) that may contain Indonesian words: those are data.
    """
    found = []
    for kind, text in texts:
        text = " ".join(text.split())
        if not text or text in data:
            continue
        if text in exact:
            found.append(f"{text!r} (English: {exact[text]!r})")
            continue
        hit = next((m for rx, m in formatted if rx.fullmatch(text)), None)
        if hit:
            found.append(f"{text!r} (msgid {hit!r})")
            continue
        if kind != "chrome":
            continue
        rest = text
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        words = set(re.findall(r"[a-z]+", rest.lower()))
        if words & INDONESIAN_WORDS:
            found.append(
                f"{text!r} (Indonesian words: {sorted(words & INDONESIAN_WORDS)})"
            )
    return sorted(set(found))


# What the page holds once it has settled: its width, and its texts.
SETTLE_JS = """async () => {
  await document.fonts.ready;
  // Charts are drawn after the page loads: wait (bounded) until each has its svg.
  for (let i = 0; i < 40; i++) {
    const charts = [...document.querySelectorAll('[data-figure]')];
    if (charts.every(c => c.querySelector('.main-svg'))) break;
    await new Promise(r => setTimeout(r, 50));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""

OVERFLOW_JS = """() => {
  const page = document.scrollingElement;
  if (page.scrollWidth <= innerWidth + 1) return null;
  // Name the widest elements that reach past the screen, outside a scrolling box.
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.right <= innerWidth + 1 || r.width === 0) return false;
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return false;
    }
    return true;
  });
  const outermost = wide.filter(e => !wide.includes(e.parentElement)).slice(0, 4);
  return {width: page.scrollWidth, viewport: innerWidth, culprits: outermost.map(e =>
    `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && e.className.baseVal === undefined ? '.' + String(e.className).trim().split(/\\s+/).join('.') : ''} (right ${Math.round(e.getBoundingClientRect().right)})`)};
}"""

TEXTS_JS = """() => {
  const chrome = 'label, button, h1, h2, h3, h4, h5, h6, th, legend, summary, caption, '
    + 'nav a, dt, .btn, [role=button]';
  const out = [];
  const visible = e => {
    const s = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 1 && r.height > 1;
  };
  const skip = e => e.closest('script, style, noscript, template, code, pre, [translate=no], .modebar');
  for (const e of document.querySelectorAll(chrome)) {
    if (skip(e) || !visible(e)) continue;
    out.push(['chrome', e.innerText]);
  }
  // Every visible text of the page, by the element that holds it.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || skip(e)) continue;
    if (e.tagName === 'OPTION' || visible(e)) out.push(['text', n.textContent]);
  }
  for (const e of document.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit]')) {
    if (skip(e)) continue;
    for (const a of ['placeholder', 'title', 'aria-label', 'value']) {
      if (e.getAttribute(a) && (a !== 'value' || e.type === 'submit')) out.push(['text', e.getAttribute(a)]);
    }
  }
  out.push(['text', document.title]);
  return out;
}"""

# Text hidden under another element, probed with elementFromPoint at the centre of
# each line of text, at every scroll position. A text counts as covered only when
# it is covered at every position it was seen at: a sticky header passing over the
# text while scrolling is no fault, a bar that always hides it is.
COVERED_JS = """async () => {
  const probes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n && probes.length < 1000; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || e.closest('script, style, noscript, template, option, select, textarea')) continue;
    // Not drawn: the body of a closed <details> keeps boxes where nothing shows.
    if (!e.checkVisibility({contentVisibilityAuto: true, opacityProperty: true,
                            visibilityProperty: true})) continue;
    // The boxes that clip this text (a table scrolling sideways hides what is outside it).
    const clips = [];
    for (let a = e; a && a !== document.body; a = a.parentElement) {
      const c = getComputedStyle(a);
      if (c.overflowX !== 'visible' || c.overflowY !== 'visible') clips.push(a);
    }
    const range = document.createRange();
    range.selectNodeContents(n);
    const first = range.getClientRects()[0];
    if (!first) continue;
    probes.push({node: n, el: e, clips, top: first.top + scrollY, seen: 0, covered: 0, by: ''});
  }
  const describe = e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}`;
  const range = document.createRange();
  const step = Math.max(200, Math.floor(innerHeight / 2));
  const positions = [];
  const last = () => document.scrollingElement.scrollHeight - innerHeight;
  for (let y = 0; y < last() && positions.length < 60; y += step) positions.push(y);
  positions.push(Math.max(0, last()));
  for (const top of positions) {
    window.scrollTo(0, top);
    await new Promise(r => requestAnimationFrame(r));
    for (const p of probes) {
      // Only the texts near the screen; their place is measured again (a chart
      // drawn late moves what is below it).
      if (p.top < top - innerHeight || p.top > top + 2 * innerHeight) continue;
      range.selectNodeContents(p.node);
      const rect = [...range.getClientRects()].find(r => r.width > 2 && r.height > 2);
      if (!rect) continue;
      const x = rect.left + rect.width / 2, y = rect.top + rect.height / 2;
      if (y < 0 || y >= innerHeight || x < 0 || x >= innerWidth) continue;
      if (p.clips.some(a => { const r = a.getBoundingClientRect();
          return x < r.left || x > r.right || y < r.top || y > r.bottom; })) continue;
      const hit = document.elementFromPoint(x, y);
      if (!hit) continue;
      p.seen += 1;
      // The text's own element, or one around it; a child drawn there covers it.
      const own = hit === p.el || hit.contains(p.el);
      // Inside one chart, plotly lays its own layers (a legend's click target) over its text.
      const plot = p.el.closest('.js-plotly-plot');
      const samePlot = plot && plot.contains(hit) && !hit.closest('.modebar');
      if (!own && !samePlot) { p.covered += 1; p.by = describe(hit); }
    }
  }
  window.scrollTo(0, 0);
  return probes.filter(p => p.seen && p.covered === p.seen).slice(0, 8)
    .map(p => `${JSON.stringify(p.node.textContent.trim().slice(0, 50))} in ${describe(p.el)} under ${p.by}`);
}"""


def bare_error(status, body_text, has_app_layout):
    """Why a page is Django's bare error page, or None."""
    if status >= 500:
        return f"status {status}"
    if status >= 400 and not has_app_layout:
        return f"status {status} without the app's layout"
    for text in BARE_ERROR_TEXTS:
        if text in body_text and not has_app_layout:
            return f"Django's default text {text!r}"
    return None
