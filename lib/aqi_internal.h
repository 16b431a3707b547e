/* Internal: the layout of an index table (aqi.c, aqi_tables.c), shared
 * by the shipped tables and those built by jj_aqi_table_new. */
#ifndef JJ_LIB_AQI_INTERNAL_H
#define JJ_LIB_AQI_INTERNAL_H

#include "jjair/aqi.h"

struct jj_aqi_table {
  const char *name;
  int decimals;
  uint32_t nbands;
  const jj_aqi_band *bands;
  /* Built tables (one block from `alc`): owned = 1; shipped: 0. */
  int owned;
  jj_allocator alc;
};

/* Validate a table's bands (the rules of jj_aqi_table_new). */
jj_status jj__aqi_validate(const char *name, int decimals, const jj_aqi_band *bands,
                           uint32_t nbands, jj_error *err);

#endif
