/* Internal: what the engine's deadline index (deadline.h) keeps for one
 * series. It lives in the series header (series.h), not in an array by
 * series id: every reading reads and writes it, and the header is a line
 * the reading reads anyway. */
#ifndef JJ_LIB_DUE_REC_H
#define JJ_LIB_DUE_REC_H

#include <stdint.h>

/* JJ_NO_DEADLINE_INDEX (JJ_WITH_DEADLINE_INDEX=OFF): builds for a few
 * series leave the index out, and every advance walks every series and
 * group (deadline_walk.c, group_walk.c, as jj__engine_walk_all does
 * here): no deadlines are kept, only what a reading owes the next
 * advance. */
typedef struct jj_due_rec {
  uint32_t synced;   /* its windows have seen every advance up to this one (an epoch) */
  uint32_t owed;     /* 0, or 1 + the advance count when a re-check became owed */
  uint32_t owed_slots; /* which sliding slots owe it (jj__deadline_owed_slot) */
#ifndef JJ_NO_DEADLINE_INDEX
  /* (The windows' own deadlines, TUMBLING ones too, are asked of the
   * windows when needed, not kept here; nor are its alerts' repeat and
   * flapping times, asked of the alerts while `alerts_due` is set: 16
   * bytes a series, where 64-bit fields took 40.) */
  uint32_t stale_min : 31; /* least stale_after_ms of its instances (jj__deadline_stale_min) */
  uint32_t alerts_due : 1; /* an alert of it has a repeat or end of flapping due */
#endif
} jj_due_rec;

#endif
