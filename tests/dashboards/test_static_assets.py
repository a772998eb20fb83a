import re
from pathlib import Path

import plotly.offline

ROOT = Path(__file__).resolve().parents[2]
SERVED = ROOT / "static" / "js" / "plotly.min.js"
# Hosts the full plotly.js bundle fetches map tiles, fonts and styles from.
MAP_HOSTS = ("openstreetmap", "openmaptiles", "arcgisonline", "icgc.cat", "cartocdn")
# The trace types the dashboards draw; tools/build-plotly.sh bundles these only.
TRACE_TYPES = {"scatter", "bar", "pie", "treemap"}


def test_served_plotly_js_matches_the_pinned_plotly_version():
    # Figures are built by the Python package: the browser side must be the same
    # plotly.js release, or a figure may use what the bundle lacks.
    header = SERVED.read_text()[:200]
    version = plotly.offline.get_plotlyjs_version()
    assert re.search(
        r"plotly\.js \(kampungkb: scatter, bar, pie, treemap - minified\) "
        rf"v{re.escape(version)}\b",
        header,
    )
    # plotly.js is MIT licensed: its notice stays at the top of the bundle.
    assert "Licensed under the MIT license" in header


def test_served_plotly_js_has_no_map_traces_that_load_from_the_internet():
    # The custom bundle has none of the map code that fetches tiles and fonts
    # from outside hosts; the full bundle does.
    text = SERVED.read_text()
    assert not [host for host in MAP_HOSTS if host in text]


def test_served_plotly_js_registers_exactly_the_trace_types_the_dashboards_draw():
    # Each trace module declares itself as {moduleType: "trace", name: ...}; the
    # minified bundle keeps that literal for every trace it registers.
    text = SERVED.read_text()
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))
    assert registered == TRACE_TYPES


def test_served_plotly_js_carries_no_map_library():
    text = SERVED.read_text().lower()
    assert not [
        word for word in ("scattermapbox", "maplibre", "mapbox") if word in text
    ]


# The only addresses left in the bundle: XML namespace names (identifiers, never
# fetched) and the licence notices of bundled libraries.
NON_FETCHED_HOSTS = {
    "www.w3.org",
    "github.com",
    "getify.mit-license.org",
    "syntheti.cc",
}


def test_served_plotly_js_names_no_server_it_could_load_from():
    # plotly.js's defaults point at its topojson CDN, Chart Studio and its site;
    # tools/build-plotly.sh blanks them.
    hosts = set(re.findall(r"https?://([\w.-]+)", SERVED.read_text()))
    assert hosts <= NON_FETCHED_HOSTS, hosts - NON_FETCHED_HOSTS
