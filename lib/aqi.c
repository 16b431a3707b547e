/* Index lookup: truncation, band search, linear interpolation, rounding;
 * building and validating tables; the overall CAI; NowCast and C24E over
 * hourly means (see include/jjair/aqi.h). The tables themselves are data,
 * in aqi_tables.c. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "aqi_internal.h"
#include "errfmt.h"

static const double pow10_tab[JJ_AQI_MAX_DECIMALS + 1] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};

/* c in units of the table's last decimal, truncated toward zero. A
 * decimal such as 0.151 is stored as 0.15099999..., so c * 1000 can land
 * a hair below 151: a relative nudge of 1e-12 (far below any reading's
 * precision) puts it back before truncating. */
static double trunc_units(int decimals, double c) {
  double x = c * pow10_tab[decimals];
  double ax = fabs(x);
  double t = floor(ax + ax * 1e-12);
  return x < 0 ? -t : t;
}

static double units_of(int decimals, double c) { return floor(c * pow10_tab[decimals] + 0.5); }

const jj_aqi_table *jj_aqi_table_find(const char *name) {
  if (!name) return NULL;
  for (uint32_t i = 0; i < jj_aqi_table_count(); i++) {
    const jj_aqi_table *t = jj_aqi_table_at(i);
    if (strcmp(t->name, name) == 0) return t;
  }
  return NULL;
}

const char *jj_aqi_table_name(const jj_aqi_table *t) { return t ? t->name : NULL; }
int jj_aqi_table_decimals(const jj_aqi_table *t) { return t ? t->decimals : 0; }
uint32_t jj_aqi_table_bands(const jj_aqi_table *t) { return t ? t->nbands : 0; }

jj_status jj_aqi_table_band(const jj_aqi_table *t, uint32_t i, jj_aqi_band *out) {
  if (!t || !out || i >= t->nbands) return JJ_EINVAL;
  *out = t->bands[i];
  return JJ_OK;
}

double jj_aqi_truncate(const jj_aqi_table *t, double c) {
  if (!t || isnan(c)) return NAN;
  if (!isfinite(c)) return c;
  return trunc_units(t->decimals, c) / pow10_tab[t->decimals];
}

jj_status jj_aqi_index(const jj_aqi_table *t, double c, double *index) {
  if (!t || !index) return JJ_EINVAL;
  *index = NAN;
  if (!isfinite(c)) return JJ_ENAN;
  /* Compare in whole units of the last decimal: exact, whatever the
   * binary form of the breakpoints. */
  const double u = trunc_units(t->decimals, c), p = pow10_tab[t->decimals];
  if (u < units_of(t->decimals, t->bands[0].c_lo)) return JJ_ERANGE;
  const jj_aqi_band *b = &t->bands[t->nbands - 1];
  if (u > units_of(t->decimals, b->c_hi)) {
    *index = b->i_hi;
    return JJ_OK;
  }
  for (uint32_t k = 0; k < t->nbands; k++) {
    if (u <= units_of(t->decimals, t->bands[k].c_hi)) {
      b = &t->bands[k];
      break;
    }
  }
  const double ct = u / p;
  double i = b->i_lo;
  if (b->c_hi > b->c_lo) i += (b->i_hi - b->i_lo) / (b->c_hi - b->c_lo) * (ct - b->c_lo);
  /* Round half up; a hair of slack for sums such as 249.99999999999997. */
  *index = floor(i + 0.5 + 1e-9);
  if (*index > b->i_hi) *index = b->i_hi;
  return JJ_OK;
}

int jj_aqi_band_of_index(const jj_aqi_table *t, double index) {
  if (!t || isnan(index)) return 0;
  double r = floor(index + 0.5);
  if (r < t->bands[0].i_lo) return 0;
  for (uint32_t k = 0; k < t->nbands; k++)
    if (r <= t->bands[k].i_hi) return (int)k + 1;
  return (int)t->nbands;
}

const char *jj_aqi_band_name(const jj_aqi_table *t, int band) {
  if (!t || band < 1 || (uint32_t)band > t->nbands) return "";
  return t->bands[band - 1].name;
}

/* ---- building tables ---------------------------------------------------- */

jj_status jj__aqi_validate(const char *name, int decimals, const jj_aqi_band *bands,
                           uint32_t nbands, jj_error *err) {
  if (!name || !*name) return jj__fail(err, JJ_EINVAL, "an index table needs a name");
  if (decimals < 0 || decimals > JJ_AQI_MAX_DECIMALS)
    return jj__fail(err, JJ_EINVAL, "index table %s: decimals must be 0..%d", name,
                    JJ_AQI_MAX_DECIMALS);
  if (!bands || nbands < 1 || nbands > JJ_AQI_MAX_BANDS)
    return jj__fail(err, JJ_EINVAL, "index table %s: needs 1 to %d bands", name,
                    JJ_AQI_MAX_BANDS);
  for (uint32_t k = 0; k < nbands; k++) {
    const jj_aqi_band *b = &bands[k];
    jj_status st = JJ_OK;
    if (!isfinite(b->c_lo) || !isfinite(b->c_hi) || !isfinite(b->i_lo) || !isfinite(b->i_hi))
      st = jj__fail(err, JJ_EINVAL, "index table %s, band %u: numbers must be finite", name,
                    k + 1);
    else if (!b->name || !*b->name)
      st = jj__fail(err, JJ_EINVAL, "index table %s, band %u: needs a name", name, k + 1);
    else if (b->c_lo < 0 || b->c_hi < b->c_lo)
      st = jj__fail(err, JJ_EINVAL,
                    "index table %s, band %u: concentrations must be >= 0 and increasing", name,
                    k + 1);
    else if (b->i_hi < b->i_lo || b->i_lo != floor(b->i_lo) || b->i_hi != floor(b->i_hi))
      st = jj__fail(err, JJ_EINVAL,
                    "index table %s, band %u: index bounds must be whole and increasing", name,
                    k + 1);
    else if (fabs(b->c_lo * pow10_tab[decimals] - units_of(decimals, b->c_lo)) > 1e-6 ||
             fabs(b->c_hi * pow10_tab[decimals] - units_of(decimals, b->c_hi)) > 1e-6)
      st = jj__fail(err, JJ_EINVAL,
                    "index table %s, band %u: breakpoints need at most %d decimals", name, k + 1,
                    decimals);
    else if (k > 0 && units_of(decimals, b->c_lo) != units_of(decimals, bands[k - 1].c_hi) + 1)
      st = jj__fail(err, JJ_EINVAL,
                    "index table %s, band %u: must start one step (%g) above the previous "
                    "band's end %g, not at %g (contiguous, increasing)",
                    name, k + 1, 1.0 / pow10_tab[decimals], bands[k - 1].c_hi, b->c_lo);
    else if (k > 0 && b->i_lo != bands[k - 1].i_hi + 1)
      st = jj__fail(err, JJ_EINVAL,
                    "index table %s, band %u: index must start at %g (one above the previous "
                    "band's %g), not %g",
                    name, k + 1, bands[k - 1].i_hi + 1, bands[k - 1].i_hi, b->i_lo);
    if (st != JJ_OK) {
      if (err) err->line = (int)k + 1;
      return st;
    }
  }
  return JJ_OK;
}

jj_status jj_aqi_table_new(const char *name, int decimals, const jj_aqi_band *bands,
                           uint32_t nbands, const jj_allocator *alc, jj_aqi_table **out,
                           jj_error *err) {
  if (!out) return jj__fail(err, JJ_EINVAL, "out is NULL");
  *out = NULL;
  jj_status st = jj__aqi_validate(name, decimals, bands, nbands, err);
  if (st != JJ_OK) return st;
  /* One block: the table, its bands, then every string. */
  size_t bytes = sizeof(jj_aqi_table) + nbands * sizeof(jj_aqi_band) + strlen(name) + 1;
  for (uint32_t k = 0; k < nbands; k++) bytes += strlen(bands[k].name) + 1;
  jj_allocator a;
  jj__alloc_resolve(&a, alc);
  char *block = jj__malloc(&a, bytes);
  if (!block) return jj__fail(err, JJ_ENOMEM, "out of memory");
  jj_aqi_table *t = (jj_aqi_table *)(void *)block;
  jj_aqi_band *copy = (jj_aqi_band *)(void *)(block + sizeof *t);
  char *s = (char *)(copy + nbands);
  size_t n = strlen(name) + 1;
  memcpy(s, name, n);
  t->name = s;
  s += n;
  for (uint32_t k = 0; k < nbands; k++) {
    copy[k] = bands[k];
    n = strlen(bands[k].name) + 1;
    memcpy(s, bands[k].name, n);
    copy[k].name = s;
    s += n;
  }
  t->decimals = decimals;
  t->nbands = nbands;
  t->bands = copy;
  t->owned = 1;
  t->alc = a;
  *out = t;
  return JJ_OK;
}

void jj_aqi_table_free(jj_aqi_table *t) {
  if (!t || !t->owned) return;
  jj_allocator a = t->alc;
  jj__free(&a, t);
}

/* ---- combining and averaging -------------------------------------------- */

jj_status jj_cai_overall(const double *subindex, uint32_t n, double *out) {
  if (!out || (n && !subindex)) return JJ_EINVAL;
  double best = NAN;
  uint32_t bad = 0;
  for (uint32_t i = 0; i < n; i++) {
    double v = subindex[i];
    if (isnan(v)) continue;
    if (isnan(best) || v > best) best = v;
    if (v >= 101) bad++;
  }
  *out = best;
  if (isnan(best)) return JJ_ENODATA;
  if (bad >= 3)
    best += 75;
  else if (bad == 2)
    best += 50;
  *out = best > 500 ? 500 : best;
  return JJ_OK;
}

#define NOWCAST_HOURS 12

jj_status jj_nowcast(const double *hours, uint32_t n, double *out) {
  if (!out || (n && !hours)) return JJ_EINVAL;
  *out = NAN;
  if (n > NOWCAST_HOURS) n = NOWCAST_HOURS;
  uint32_t recent = 0;
  double mx = -INFINITY, mn = INFINITY;
  for (uint32_t i = 0; i < n; i++) {
    if (isnan(hours[i])) continue;
    if (i < 3) recent++;
    if (hours[i] > mx) mx = hours[i];
    if (hours[i] < mn) mn = hours[i];
  }
  if (recent < 2) return JJ_ENODATA;
  double w = mx > 0 ? 1.0 - (mx - mn) / mx : 1.0;
  if (w < 0.5) w = 0.5;
  double num = 0, den = 0, wi = 1;
  for (uint32_t i = 0; i < n; i++) {
    /* A missing hour keeps its place: its power of w is skipped. */
    if (!isnan(hours[i])) {
      num += hours[i] * wi;
      den += wi;
    }
    wi *= w;
  }
  *out = num / den;
  return JJ_OK;
}

#define C24E_HOURS 12
#define C24E_RECENT 4

jj_status jj_c24e(const double *hours, uint32_t n, double m, double *c12, double *c4,
                  double *out) {
  if (!out || (n && !hours)) return JJ_EINVAL;
  *out = NAN;
  if (c12) *c12 = NAN;
  if (c4) *c4 = NAN;
  if (n > C24E_HOURS) n = C24E_HOURS;
  double s12 = 0;
  uint32_t n12 = 0, n4 = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (isnan(hours[i])) continue;
    s12 += hours[i];
    n12++;
    if (i < C24E_RECENT) n4++;
  }
  if (n12 < 6 || n4 < 2) return JJ_ENODATA;
  const double m12 = s12 / n12;
  double s4 = 0;
  for (uint32_t i = 0; i < n && i < C24E_RECENT; i++) {
    double c = hours[i];
    if (isnan(c)) continue;
    /* A high hour that is in line with the last 12 (not a lone spike, not
     * a dip) counts at 0.75: the day's mean is expected to be lower. */
    if (c >= m && m12 > 0 && c / m12 >= 0.9 && c / m12 <= 1.7) c *= 0.75;
    s4 += c;
  }
  const double m4 = s4 / n4;
  if (c12) *c12 = m12;
  if (c4) *c4 = m4;
  *out = (12 * m12 + 12 * m4) / 24;
  return JJ_OK;
}
