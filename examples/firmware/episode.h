/* The readings examples/firmware feeds (episode.c, made by make_episode.py):
 * one row per second, one column per sensor, in tenths of the unit, stored
 * as runs of equal changes and decoded a row at a time (episode_read.c), so
 * the recorded 420 s take 0.9 KB of flash instead of a 4.2 KB table. */
#ifndef JJ_FW_EPISODE_H
#define JJ_FW_EPISODE_H

#include <stdint.h>

#define JJ_FW_SECONDS 420
#define JJ_FW_SENSORS 5 /* temperature body, temperature camera, co, smoke, pm25 */

/* episode.c: sensor k's runs are jj_fw_episode_runs[start[k] .. start[k + 1]). */
extern const uint8_t jj_fw_episode_runs[];
extern const uint16_t jj_fw_episode_start[JJ_FW_SENSORS + 1];
/* make_episode.py's checksum of every reading (jj_fw_episode_check). */
extern const uint32_t jj_fw_episode_sum;

/* Where each sensor's decoding is: start with jj_fw_episode_open. */
typedef struct jj_fw_episode {
  const uint8_t *p[JJ_FW_SENSORS]; /* the next run */
  uint32_t left[JJ_FW_SENSORS];    /* seconds left in the current run */
  int32_t step[JJ_FW_SENSORS];     /* its change per second */
  int32_t value[JJ_FW_SENSORS];    /* the last reading */
  uint32_t rows, sum;              /* rows read so far, their checksum */
} jj_fw_episode;

void jj_fw_episode_open(jj_fw_episode *ep);
/* The next second's readings (tenths); 0 after the last row. */
int jj_fw_episode_row(jj_fw_episode *ep, int16_t out[JJ_FW_SENSORS]);
/* 1 when every row was read, each sensor's runs ended exactly there and the
 * readings' checksum is make_episode.py's: the decoding was exact. */
int jj_fw_episode_check(const jj_fw_episode *ep);

#endif
