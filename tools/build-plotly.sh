#!/usr/bin/env bash
# Rebuild static/js/plotly.min.js: a custom plotly.js bundle holding exactly the
# trace types the dashboards draw (scatter, bar, pie, treemap) and no map or geo
# code at all, so the page never fetches map tiles, fonts or styles from outside
# hosts.
#
# What it does, in a scratch directory outside the repository (first argument, or
# $PLOTLY_BUILD_DIR, kept for reuse; else a temporary one, removed at the end):
#   1. installs from the npm registry, at exact versions:
#        plotly.js@4.1.1  - must be the release the pinned Python plotly (7.1.0)
#                           was made for: plotly.offline.get_plotlyjs_version()
#        esbuild@0.28.2   - the bundler plotly.js itself builds with
#      (plotly.js's own dependencies come in at the versions its package.json
#      allows; npm install --ignore-scripts: no package code runs at install)
#   2. bundles an entry that registers bar, pie and treemap on plotly.js/lib/core
#      (core carries scatter) as a minified IIFE that sets the global `Plotly`,
#      the way plotly.js's own partial bundles are made (tasks/partial_bundle.mjs):
#      the attribute descriptions are stripped as its compress_attributes step
#      does, and the header and MIT license notice are those of the same
#      release's dist/plotly-basic.min.js with the bundle's name changed;
#   3. refuses the result if any map or geo trace, maplibre/mapbox or a map tile
#      host is in it, and writes it to static/js/plotly.min.js.
#
# Network: the npm registry is reached at build time only, by `npm install`. The
# bundle it writes is served from our own static files and loads nothing from
# anywhere at run time.
#
# Needs: bash, node (20 or newer) and npm. Run from anywhere:
#   tools/build-plotly.sh [SCRATCH_DIR]
# then run tests/dashboards/test_static_assets.py. When plotly is upgraded in
# requirements.txt, set PLOTLY_JS_VERSION below to the new
# plotly.offline.get_plotlyjs_version(); the script checks it with the project's
# .venv when there is one.
set -euo pipefail

PLOTLY_JS_VERSION=4.1.1
ESBUILD_VERSION=0.28.2
BUNDLE_NAME="kampungkb: scatter, bar, pie, treemap"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd -P)"
OUT="$REPO/static/js/plotly.min.js"
if [ -n "${1:-${PLOTLY_BUILD_DIR:-}}" ]; then
    BUILD_DIR="$(realpath -m "${1:-$PLOTLY_BUILD_DIR}")"
else
    # A scratch directory of our own, removed when done.
    BUILD_DIR="$(mktemp -d "${TMPDIR:-/tmp}/plotly-build.XXXXXX")"
    trap 'rm -rf "$BUILD_DIR"' EXIT
fi

case "$BUILD_DIR/" in
"$REPO"/*)
    echo "build-plotly.sh: build outside the repository, not in $BUILD_DIR" >&2
    exit 1
    ;;
esac

# The browser side must be the release the Python package builds figures for.
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
if [ -x "$PYTHON" ]; then
    pinned="$("$PYTHON" -c 'import plotly.offline; print(plotly.offline.get_plotlyjs_version())')"
    if [ "$pinned" != "$PLOTLY_JS_VERSION" ]; then
        echo "build-plotly.sh: Python plotly wants plotly.js $pinned, script pins $PLOTLY_JS_VERSION" >&2
        exit 1
    fi
fi

mkdir -p "$BUILD_DIR"
cd "$BUILD_DIR"
echo "Building plotly.js $PLOTLY_JS_VERSION in $BUILD_DIR"

cat >package.json <<EOF
{
  "name": "kampungkb-plotly-build",
  "private": true,
  "dependencies": {
    "esbuild": "$ESBUILD_VERSION",
    "plotly.js": "$PLOTLY_JS_VERSION"
  }
}
EOF
npm install --no-audit --no-fund --ignore-scripts --loglevel=error

cat >entry.js <<'EOF'
'use strict';
// scatter is registered by core
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/pie'),
    require('plotly.js/lib/treemap')
]);
module.exports = Plotly;
EOF

cat >build.js <<'EOF'
'use strict';
var fs = require('fs');
var path = require('path');
var esbuild = require('esbuild');

var [outfile, bundleName, version] = process.argv.slice(2);
var plotlyDir = path.dirname(require.resolve('plotly.js/package.json'));
if(require(path.join(plotlyDir, 'package.json')).version !== version) {
    throw new Error('installed plotly.js is not ' + version);
}

// Registry.register requires maplibre's stylesheet when a map trace is registered;
// none is, so it becomes an empty module. Anything else from maplibre is an error.
var noMaps = {
    name: 'no-maps',
    setup: function(build) {
        build.onResolve({filter: /^(maplibre-gl|mapbox-gl)(\/|$)/}, function(args) {
            if(args.path === 'maplibre-gl/dist/maplibre-gl.css') {
                return {path: args.path, namespace: 'empty'};
            }
            return {errors: [{text: 'map code must not be bundled: ' + args.path + ' from ' + args.importer}]};
        });
        build.onLoad({filter: /.*/, namespace: 'empty'}, function() {
            return {contents: '', loader: 'js'};
        });
    }
};

// Plot-schema documentation is not used to draw; plotly.js's dist bundles drop it
// too (tasks/compress_attributes.js). Only whole-line forms are removed, so an
// unusual one is left in place rather than cut in half.
var STRIP = [
    /^[ \t]*description: (?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"),?[ \t]*$\n?/gm,
    /^[ \t]*description: \[[\s\S]*?\]\.join\(\s*'[^']*'\s*\),?[ \t]*$\n?/gm,
    /^[ \t]*(?:requiredOpts|otherOpts): \[[^\]\n]*\],?[ \t]*$\n?/gm,
    /^[ \t]*hrName: '[^'\n]*',?[ \t]*$\n?/gm
];
var srcDir = path.join(plotlyDir, 'src') + path.sep;
var stripDocs = {
    name: 'strip-attribute-docs',
    setup: function(build) {
        build.onLoad({filter: /\.js$/}, function(args) {
            if(!args.path.startsWith(srcDir)) return;
            var code = fs.readFileSync(args.path, 'utf8');
            STRIP.forEach(function(re) { code = code.replace(re, ''); });
            return {contents: code, loader: 'js'};
        });
    }
};

esbuild.build({
    entryPoints: ['entry.js'],
    bundle: true,
    minify: true,
    format: 'iife',
    globalName: 'Plotly',
    platform: 'browser',
    target: 'es2016',
    define: {global: 'window', 'define.amd': 'false'},
    legalComments: 'eof',
    plugins: [noMaps, stripDocs],
    write: false,
    metafile: true,
    logLevel: 'warning'
}).then(function(res) {
    if(res.outputFiles.length !== 1) throw new Error('expected one output file');
    var code = res.outputFiles[0].text;

    // Core's legend and hover code names map trace types in plain strings; what
    // must not be here is their modules, maplibre/mapbox or a tile host.
    var mapModules = new RegExp(
        'node_modules/(maplibre-gl|mapbox-gl|d3-geo|d3-geo-projection|topojson-client|@turf)/' +
        '|plotly\\.js/src/plots/(map|mapbox|geo)/' +
        '|plotly\\.js/src/traces/(scattermap|scattermapbox|choroplethmap|choroplethmapbox|' +
        'densitymap|densitymapbox|scattergeo|choropleth)/'
    );
    var bundled = Object.keys(res.metafile.inputs).filter(function(f) { return mapModules.test(f); });
    if(bundled.length) throw new Error('map modules in the bundle: ' + bundled.join(', '));
    var forbidden = [
        'scattermapbox', 'maplibre', 'mapbox', 'openstreetmap', 'openmaptiles',
        'arcgisonline', 'icgc.cat', 'cartocdn'
    ].filter(function(s) { return code.toLowerCase().indexOf(s) !== -1; });
    if(forbidden.length) throw new Error('map code in the bundle: ' + forbidden.join(', '));

    // Defaults that point at plotly's servers (the topojson CDN, Chart Studio,
    // the logo link, doc links in messages): nothing here may reach the internet.
    [
        ['dflt:"https://cloud.plotly.com/newchart"', 'dflt:""'],
        ['dflt:"https://cdn.plot.ly/un/"', 'dflt:""'],
        ['r.href="https://plotly.com/"', 'r.href=""'],
        ['see https://plotly.com/javascript/animations/', 'see the plotly.js animation documentation']
    ].forEach(function(pair) {
        if(code.indexOf(pair[0]) === -1) throw new Error('not found to blank: ' + pair[0]);
        code = code.split(pair[0]).join(pair[1]);
    });
    if(/https?:\/\/[^"'\s]*plot\.?ly/.test(code)) throw new Error('a plotly URL is left');

    var basic = fs.readFileSync(path.join(plotlyDir, 'dist', 'plotly-basic.min.js'), 'utf8');
    var license = basic.slice(0, basic.indexOf('*/') + 2);
    var needle = 'plotly.js (basic - minified) v' + version;
    if(license.indexOf(needle) === -1) throw new Error('unexpected plotly.js license header');
    var header = license.replace('(basic - minified)', '(' + bundleName + ' - minified)');
    fs.writeFileSync(outfile, header + '\n' + code);
    console.log(outfile + ': ' + fs.statSync(outfile).size + ' bytes');
}).catch(function(err) {
    console.error(err.message || err);
    process.exit(1);
});
EOF

node build.js "$OUT" "$BUNDLE_NAME" "$PLOTLY_JS_VERSION"
