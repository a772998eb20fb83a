from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parents[2]


def test_served_plotly_js_is_the_one_shipped_with_the_pinned_plotly():
    # plotly.js is served from static/ (never a CDN); it must match the Python
    # package that builds the figures, or figures may use features it lacks.
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    served = ROOT / "static" / "js" / "plotly.min.js"
    assert served.read_bytes() == shipped.read_bytes()
