/* WHO z-scores on the phone (issue 16): a port of stunting/growth.py, line by line.
 *
 * The field app scores a measurement offline with the tables the server sends at
 * /lapangan/tabel-who.json (field/who.py): the same numbers stunting.growth loads,
 * and the same rules, so the phone shows what the server will save.
 * tests/browser/test_growth_js.py compares the two on thousands of cases.
 *
 *   KKBGrowth.ageDays("2024-05-01", "2026-12-02")  -> 945 (null if not a date)
 *   KKBGrowth.score(tablesJson, {sex: "L" | "P", age_days, weight_kg, height_cm,
 *                                measured: "lying" | "standing" | "", oedema})
 *     -> {haz, waz, whz, haz_class, waz_class, whz_class,
 *         flags: {haz, waz, whz}, reasons: {haz, waz, whz}, adjusted_height_cm}
 *
 * Inputs are read as growth.score reads them: numbers, or null/undefined for "not
 * recorded"; a numeric string is read as a number, and a string that is no number
 * throws (growth.score raises). Codes for sex and measured are the server's too
 * (L/P, m/f, male/female, 1/2; lying/standing, 0/1/2). z-scores are unrounded.
 * Plain ES5 and no modules: loaded by <script src>, under a CSP without eval.
 *
 * The one difference: the server raises to fractional powers with numpy (SIMD
 * where the CPU has it), this with Math.pow; they may differ in the last bits,
 * so z-scores by ~1e-14, and a z within that of a class bound or an implausible
 * limit may be classed otherwise (so may the server's own on another CPU).
 */
(function (global) {
  "use strict";

  var MALE = 0, FEMALE = 1, MISSING = -1, INVALID = -2, LYING = 1, STANDING = 2;
  var SEX_CODES = {
    "l": MALE, "laki-laki": MALE, "m": MALE, "male": MALE, "1": MALE,
    "p": FEMALE, "perempuan": FEMALE, "f": FEMALE, "female": FEMALE, "2": FEMALE
  };
  var MEASURED_CODES = {"lying": LYING, "standing": STANDING, "0": MISSING, "1": LYING, "2": STANDING};
  // The server's rules, used when the document does not carry its own.
  var RULES = {
    standing_from_days: 731,
    position_adjustment_cm: 0.7,
    implausible: {haz: [-6, 6], waz: [-6, 5], whz: [-5, 5]}
  };
  // growth._CLASS_RULES: per indicator, (bound, class) for z < bound tried in
  // order, then for z > bound in order; what none catches is "normal".
  var CLASS_RULES = {
    haz: [[[-3, "sangat_pendek"], [-2, "pendek"]], [[3, "tinggi"]]],
    waz: [[[-3, "sangat_kurang"], [-2, "kurang"]], [[1, "risiko_lebih"]]],
    whz: [[[-3, "gizi_buruk"], [-2, "gizi_kurang"]],
          [[3, "obesitas"], [2, "gizi_lebih"], [1, "berisiko_gizi_lebih"]]]
  };
  var INDICATORS = ["haz", "waz", "whz"];
  // Python's str.strip() whitespace (str.isspace), not JavaScript's trim().
  var SPACE = "[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
  var STRIP = new RegExp("^" + SPACE + "+|" + SPACE + "+$", "g");
  var DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var SPECIAL = /^[+-]?(inf|infinity|nan)$/i;

  function strip(text) {
    return text.replace(STRIP, "");
  }

  // growth._code: a sex or position as its code; MISSING for nothing recorded.
  function code(value, codes) {
    if (value === null || value === undefined || (typeof value === "number" && isNaN(value))) {
      return MISSING;
    }
    var text;
    if (typeof value === "boolean") text = value ? "true" : "false";  // str(True) lowered
    else text = String(value);
    text = strip(text).toLowerCase();
    if (!text) return MISSING;
    return Object.prototype.hasOwnProperty.call(codes, text) ? codes[text] : INVALID;
  }

  // growth._number_column: a number, NaN for not recorded; a string as float() reads it.
  function number(value, name) {
    if (value === null || value === undefined) return NaN;
    if (typeof value === "number") return value;
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "string") {
      var text = strip(value);
      if (DECIMAL.test(text)) return parseFloat(text);
      if (SPECIAL.test(text)) {
        var word = text.replace(/^[+-]/, "").toLowerCase();
        if (word === "nan") return NaN;
        return text.charAt(0) === "-" ? -Infinity : Infinity;
      }
    }
    throw new TypeError(name + " must hold numbers or null");
  }

  // numpy's rint: to the nearest integer, ties to even.
  function rint(x) {
    var r = Math.round(x);
    if (r - x === 0.5 && r % 2 !== 0) r -= 1;
    return r;
  }

  // np.round(x, 6): rint(x * 10**6) / 10**6.
  function round6(x) {
    return rint(x * 1e6) / 1e6;
  }

  // growth._lms_z: the LMS z-score, with the L -> 0 limit where L is 0.
  function lmsZ(x, L, M, S) {
    var ratio = x / M;
    if (L === 0) return Math.log(ratio) / S;
    return (Math.pow(ratio, L) - 1) / (L * S);
  }

  // growth._sd: the measurement at k standard deviations.
  function sd(L, M, S, k) {
    if (L === 0) return M * Math.exp(S * k);
    return M * Math.pow(1 + L * S * k, 1 / L);
  }

  // growth._restricted_z: WHO's restricted rule beyond +-3 (WAZ and WHZ).
  function restrictedZ(x, L, M, S) {
    var z = lmsZ(x, L, M, S);
    if (z > 3) {
      var sd3 = sd(L, M, S, 3), sd2 = sd(L, M, S, 2);
      return 3 + (x - sd3) / (sd3 - sd2);
    }
    if (z < -3) {
      var sdm3 = sd(L, M, S, -3), sdm2 = sd(L, M, S, -2);
      return -3 + (x - sdm3) / (sdm2 - sdm3);
    }
    return z;
  }

  // growth._lms_at_length: L, M, S between the 0.1 cm rows, with the same
  // arithmetic (slope * (x - x[j]) + y[j], j the last row at or below x; the
  // last row's slope is 0). cm must lie within the table.
  function lmsAtLength(table, sexRow, cm) {
    var rows = table.cm, last = rows.length - 1;
    var j = Math.min(Math.max(rint((cm - rows[0]) * 10), 0), last);
    while (j > 0 && rows[j] > cm) j -= 1;
    while (j < last && rows[j + 1] <= cm) j += 1;
    var dx = cm - rows[j];
    return ["L", "M", "S"].map(function (key) {
      var y = table[key][sexRow];
      var slope = j < last ? (y[j + 1] - y[j]) / (rows[j + 1] - rows[j]) : 0;
      return slope * dx + y[j];
    });
  }

  function classOf(name, z) {
    if (z === null) return null;
    var rules = CLASS_RULES[name], i;
    for (i = 0; i < rules[0].length; i++) if (z < rules[0][i][0]) return rules[0][i][1];
    for (i = 0; i < rules[1].length; i++) if (z > rules[1][i][0]) return rules[1][i][1];
    return "normal";
  }

  function firstReason(checks) {
    for (var i = 0; i < checks.length; i++) if (checks[i][1]) return checks[i][0];
    return null;
  }

  function score(document, input) {
    var tables = document.tables || document, rules = document.rules || RULES;
    var standingFrom = rules.standing_from_days;
    var lastDay = tables.lhfa.M[0].length - 1;

    var sex = code(input.sex, SEX_CODES);
    var age = number(input.age_days, "age_days");
    var weight = number(input.weight_kg, "weight_kg");
    var height = number(input.height_cm, "height_cm");
    var position = code(input.measured, MEASURED_CODES);
    var oedema = number(input.oedema === undefined ? false : input.oedema, "oedema");
    var hasOedema = (isNaN(oedema) ? 0 : oedema) !== 0;

    var wholeDays = isFinite(age) && age === Math.floor(age);
    var ageKnown = wholeDays && age >= 0;
    var sexRow = sex === FEMALE ? FEMALE : MALE;
    var standingAge = age >= standingFrom;
    var weightOk = isFinite(weight) && weight > 0;
    var heightOk = isFinite(height) && height > 0;

    // A position not recorded is taken as the one the age prescribes (no shift).
    var shift = rules.position_adjustment_cm * (
      (position === STANDING && !standingAge ? 1 : 0) - (position === LYING && standingAge ? 1 : 0));
    var adjusted = ageKnown && heightOk && position !== INVALID ? round6(height + shift) : NaN;
    var useWfl = age < standingFrom;
    var lengths = useWfl ? tables.wfl : tables.wfh;
    var outside = adjusted < lengths.cm[0] || adjusted > lengths.cm[lengths.cm.length - 1];

    var common = [
      ["sex_missing", sex === MISSING],
      ["sex_invalid", sex === INVALID],
      ["age_missing", isNaN(age)],
      ["age_invalid", !wholeDays],
      ["age_negative", age < 0],
      ["age_beyond_table", age > lastDay]
    ];
    var weightChecks = [
      ["oedema", hasOedema],
      ["weight_missing", isNaN(weight)],
      ["weight_invalid", !weightOk]
    ];
    var heightChecks = [
      ["height_missing", isNaN(height)],
      ["height_invalid", !heightOk],
      ["measured_invalid", position === INVALID]
    ];
    var reasons = {
      haz: firstReason(common.concat(heightChecks)),
      waz: firstReason(common.concat(weightChecks)),
      whz: firstReason(common.concat(weightChecks, heightChecks, [["height_outside_table", outside]]))
    };

    function atDay(table) {
      return [table.L[sexRow][age], table.M[sexRow][age], table.S[sexRow][age]];
    }
    var z = {haz: null, waz: null, whz: null}, lms;
    if (reasons.haz === null) {
      lms = atDay(tables.lhfa);
      z.haz = lmsZ(adjusted, lms[0], lms[1], lms[2]);
    }
    if (reasons.waz === null) {
      lms = atDay(tables.wfa);
      z.waz = restrictedZ(weight, lms[0], lms[1], lms[2]);
    }
    if (reasons.whz === null) {
      lms = lmsAtLength(lengths, sexRow, adjusted);
      z.whz = restrictedZ(weight, lms[0], lms[1], lms[2]);
    }

    var result = {flags: {}, reasons: reasons, adjusted_height_cm: isNaN(adjusted) ? null : adjusted};
    INDICATORS.forEach(function (name) {
      var value = z[name] === null || isNaN(z[name]) ? null : z[name];
      var limits = rules.implausible[name];
      var flag = value !== null && (value < limits[0] || value > limits[1]);
      result[name] = value;
      result[name + "_class"] = flag ? null : classOf(name, value);  // implausible: no class
      result.flags[name] = flag;
    });
    return result;
  }

  // Days from one ISO date (YYYY-MM-DD) to another, counted on UTC dates so no
  // time zone or daylight saving shifts them; null if either is not a real date.
  function utcDay(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso));
    if (!m) return null;
    var year = +m[1], month = +m[2], day = +m[3];
    var d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);  // Date.UTC would read 0-99 as 19xx
    if (year < 1 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
      return null;
    }
    return d.getTime() / 86400000;
  }

  function ageDays(birthIso, measuredIso) {
    var birth = utcDay(birthIso), measured = utcDay(measuredIso);
    return birth === null || measured === null ? null : measured - birth;
  }

  global.KKBGrowth = {score: score, ageDays: ageDays};
})(window);
