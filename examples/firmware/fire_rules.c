/* libjjair rules as constant records, made by jj_bundle_write_source (jjair
 * compile -s) for this version of the library; load them with
 * jj_bundle_load_rules(&jj_fire_rules, ...). Compile with the library's lib/
 * directory on the include path. Do not edit. */
#include <math.h>
#include <stdint.h>
#include <stddef.h>

#include "bundle_static.h"

/* The records are constant (in flash on a device) and the ruleset never
 * writes through them; the rule struct's pointers are not const. */
#pragma GCC diagnostic ignored "-Wcast-qual"

static const jj_level jj_fire_rules_levels0[] = {
  {.name = "rate-of-rise", .severity = "\355\231\224\354\236\254\354\235\230\354\213\254", .issue_op = 2, .issue_value = 8.3000000000000007e+00, .clear_op = 3, .clear_value = 3.0000000000000000e+00, .for_count = 2, .for_ms = 0, .clear_for_count = 3, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels0[] = {
  {"hazard", "fire"},
  {"criterion", "heat-rate"},
};
static const jj_label jj_fire_rules_annotations0[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \354\235\230\354\213\254: {{ labels.robot }}{{ labels.station }} \354\230\250\353\217\204 \352\270\211\354\203\201\354\212\271 {{ value:.1f }}\342\204\203/\353\266\204 ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify0[] = {"fire-desk"};
static const jj_level jj_fire_rules_levels1[] = {
  {.name = "fixed-heat", .severity = "\355\231\224\354\236\254\354\235\230\354\213\254", .issue_op = 2, .issue_value = 5.7000000000000000e+01, .clear_op = 3, .clear_value = 5.0000000000000000e+01, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels1[] = {
  {"hazard", "fire"},
  {"criterion", "heat-fixed"},
};
static const jj_label jj_fire_rules_annotations1[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \354\235\230\354\213\254: {{ labels.robot }}{{ labels.station }} \352\263\240\354\230\250 {{ value:.0f }}\342\204\203 ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify1[] = {"fire-desk"};
static const jj_level jj_fire_rules_levels2[] = {
  {.name = "co-rise", .severity = "\355\231\224\354\236\254\354\235\230\354\213\254", .issue_op = 2, .issue_value = 3.0000000000000000e+01, .clear_op = 3, .clear_value = 1.5000000000000000e+01, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels2[] = {
  {"hazard", "fire"},
  {"criterion", "co"},
};
static const jj_label jj_fire_rules_annotations2[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \354\235\230\354\213\254: {{ labels.robot }}{{ labels.station }} \354\235\274\354\202\260\355\231\224\355\203\204\354\206\214 {{ value:.0f }}ppm ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify2[] = {"fire-desk"};
static const jj_level jj_fire_rules_levels3[] = {
  {.name = "smoke", .severity = "\355\231\224\354\236\254\354\235\230\354\213\254", .issue_op = 2, .issue_value = 1.0000000000000000e+01, .clear_op = 3, .clear_value = 5.0000000000000000e+00, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels3[] = {
  {"hazard", "fire"},
  {"criterion", "smoke"},
};
static const jj_label jj_fire_rules_annotations3[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \354\235\230\354\213\254: {{ labels.robot }}{{ labels.station }} \354\227\260\352\270\260 \352\260\220\354\247\200 {{ value:.1f }}%/m ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify3[] = {"fire-desk"};
static const jj_matcher jj_fire_rules_matchers4[] = {
  {.label = "robot", .op = 2, .value = ""},
};
static const jj_level jj_fire_rules_levels4[] = {
  {.name = "pm-surge", .severity = "\355\231\224\354\236\254\354\235\230\354\213\254", .issue_op = 2, .issue_value = 3.0000000000000000e+02, .clear_op = 3, .clear_value = 5.0000000000000000e+01, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels4[] = {
  {"hazard", "fire"},
  {"criterion", "pm-surge"},
};
static const jj_label jj_fire_rules_annotations4[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \354\235\230\354\213\254: {{ labels.robot }} \353\257\270\354\204\270\353\250\274\354\247\200 \352\270\211\354\246\235 +{{ value:.0f }}\343\216\215/\343\216\245 ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify4[] = {"fire-desk"};
static char *const jj_fire_rules_group_labels5[] = {"robot"};
static const jj_matcher jj_fire_rules_matchers5[] = {
  {.label = "robot", .op = 2, .value = ""},
};
static const jj_level jj_fire_rules_levels5[] = {
  {.name = "fire", .severity = "\355\231\224\354\236\254", .issue_op = 2, .issue_value = 2.0000000000000000e+00, .clear_op = 3, .clear_value = 1.0000000000000000e+00, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels5[] = {
  {"hazard", "fire"},
  {"criterion", "corroborated"},
};
static const jj_label jj_fire_rules_annotations5[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \352\262\275\353\263\264: {{ labels.robot }} \354\230\250\353\217\204 \354\204\274\354\204\234 {{ value:.0f }}\352\260\234 \352\270\211\354\203\201\354\212\271 \355\231\225\354\235\270 ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify5[] = {"fire-desk", "sms-operators"};
static char *const jj_fire_rules_group_labels6[] = {"robot"};
static const jj_level jj_fire_rules_levels6[] = {
  {.name = "fire", .severity = "\355\231\224\354\236\254", .issue_op = 2, .issue_value = 2.0000000000000000e+00, .clear_op = 3, .clear_value = 1.0000000000000000e+00, .for_count = 1, .for_ms = 0, .clear_for_count = 1, .keep_firing_for_ms = 0},
};
static const jj_label jj_fire_rules_labels6[] = {
  {"hazard", "fire"},
  {"criterion", "confirmed"},
};
static const jj_label jj_fire_rules_annotations6[] = {
  {"summary", "[\354\240\204\354\243\274\354\213\234] \355\231\224\354\236\254 \352\262\275\353\263\264: {{ labels.robot }} \355\231\224\354\236\254 \352\270\260\354\244\200 {{ value:.0f }}\352\260\234 \353\217\231\354\213\234 \354\266\251\354\241\261 ({{ time_kst }})"},
};
static char *const jj_fire_rules_notify6[] = {"fire-desk", "sms-operators"};

static const jj_rule jj_fire_rules_records[] = {
  {.cfg = {.name = "fire-heat-rate", .metric = "temperature", .group_by = NULL, .sources = NULL, .window.kind = 1, .window.span_ms = 60000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 1151, .window.min_samples = 5, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 62, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 10, .scale = 6.0000000000000000e+01, .group = 0, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 0, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .levels = (jj_level *)jj_fire_rules_levels0, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels0, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations0, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify0, .nnotify = 1, .notify_cap = 1,
   .feeds = {6}, .nfeeds = 1},
  {.cfg = {.name = "fire-heat-fixed", .metric = "temperature", .group_by = NULL, .sources = NULL, .window.kind = 1, .window.span_ms = 10000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 127, .window.min_samples = 2, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 12, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 3, .scale = 1.0000000000000000e+00, .group = 0, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 0, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .levels = (jj_level *)jj_fire_rules_levels1, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels1, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations1, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify1, .nnotify = 1, .notify_cap = 1,
   .feeds = {6}, .nfeeds = 1},
  {.cfg = {.name = "fire-co", .metric = "co", .group_by = NULL, .sources = NULL, .window.kind = 1, .window.span_ms = 60000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 127, .window.min_samples = 3, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 62, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 2, .scale = 1.0000000000000000e+00, .group = 0, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 0, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .levels = (jj_level *)jj_fire_rules_levels2, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels2, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations2, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify2, .nnotify = 1, .notify_cap = 1,
   .feeds = {6}, .nfeeds = 1},
  {.cfg = {.name = "fire-smoke", .metric = "smoke", .group_by = NULL, .sources = NULL, .window.kind = 1, .window.span_ms = 10000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 127, .window.min_samples = 2, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 12, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 2, .scale = 1.0000000000000000e+00, .group = 0, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 0, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .levels = (jj_level *)jj_fire_rules_levels3, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels3, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations3, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify3, .nnotify = 1, .notify_cap = 1,
   .feeds = {6}, .nfeeds = 1},
  {.cfg = {.name = "fire-pm-surge", .metric = "pm25", .group_by = NULL, .sources = NULL, .window.kind = 1, .window.span_ms = 120000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 639, .window.min_samples = 3, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 122, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 9, .scale = 1.0000000000000000e+00, .group = 0, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 0, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .matchers = (jj_matcher *)jj_fire_rules_matchers4, .nmatchers = 1, .matchers_cap = 1,
   .levels = (jj_level *)jj_fire_rules_levels4, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels4, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations4, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify4, .nnotify = 1, .notify_cap = 1,
   .feeds = {6}, .nfeeds = 1},
  {.cfg = {.name = "fire-corroborated", .metric = "temperature", .group_by = "robot", .sources = NULL, .window.kind = 1, .window.span_ms = 60000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 1151, .window.min_samples = 5, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 62, .window.preallocate = 1, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 10, .scale = 6.0000000000000000e+01, .group = 4, .group_min_members = 2, .group_wait_ms = 0, .member_op = 2, .member_value = 8.3000000000000007e+00, .group_within_ms = 30000, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 0, .life_safety = 1},
   .group_labels = (char **)jj_fire_rules_group_labels5, .ngroup_labels = 1,
   .matchers = (jj_matcher *)jj_fire_rules_matchers5, .nmatchers = 1, .matchers_cap = 1,
   .levels = (jj_level *)jj_fire_rules_levels5, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels5, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations5, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify5, .nnotify = 2, .notify_cap = 2},
  {.cfg = {.name = "fire-confirmed", .metric = "", .group_by = "robot", .sources = "fire-heat-rate,fire-heat-fixed,fire-co,fire-smoke,fire-pm-surge", .window.kind = 1, .window.span_ms = 60000, .window.hop_ms = 0, .window.align_ms = 0, .window.count = 0, .window.lateness_ms = 0, .window.aggregates = 127, .window.min_samples = 0, .window.min_coverage = 0.0000000000000000e+00, .window.expected_interval_ms = 0, .window.max_samples = 65536, .window.preallocate = 0, .window.percentile = 5.0000000000000000e-01, .window.percentile_accuracy = 1.0000000000000000e-02, .window.percentile_floor = 1.0000000000000000e-03, .window.ewma_halflife_ms = 60000, .window.duplicates = 0, .aggregate = 2, .scale = 1.0000000000000000e+00, .group = 5, .group_min_members = 1, .group_wait_ms = 0, .member_op = 0, .member_value = 0.0000000000000000e+00, .group_within_ms = 60000, .on_missing = 0, .stale_after_ms = 0, .valid_min = NAN, .valid_max = NAN, .stuck_samples = 0, .stuck_epsilon = 0.0000000000000000e+00, .repeat_interval_ms = 0, .flap_changes = 0, .flap_window_ms = 0, .group_distinct = 1, .life_safety = 1},
   .group_labels = (char **)jj_fire_rules_group_labels6, .ngroup_labels = 1,
   .levels = (jj_level *)jj_fire_rules_levels6, .nlevels = 1, .levels_cap = 1,
   .labels = (jj_label *)jj_fire_rules_labels6, .nlabels = 2, .labels_cap = 2,
   .annotations = (jj_label *)jj_fire_rules_annotations6, .nannotations = 1, .annotations_cap = 1,
   .notify = (char **)jj_fire_rules_notify6, .nnotify = 2, .notify_cap = 2,
   .src = {0, 1, 2, 3, 4}, .nsrc = 5},
};

extern const jj_static_rules jj_fire_rules;
const jj_static_rules jj_fire_rules = {JJ_STATIC_RULES_MAGIC, JJ_BUNDLE_VERSION, sizeof(jj_rule), 7, jj_fire_rules_records};
