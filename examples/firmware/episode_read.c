/* Decoding the recorded episode (episode.h): per sensor, runs of equal
 * changes (a varint count, then the change as a zigzag varint), read one
 * row at a time on the host and on the board alike. */
#include "episode.h"

static uint32_t varint(const uint8_t **p) {
  uint32_t u = 0;
  for (unsigned shift = 0;; shift += 7) {
    uint8_t b = *(*p)++;
    u |= (uint32_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return u;
  }
}

void jj_fw_episode_open(jj_fw_episode *ep) {
  for (int k = 0; k < JJ_FW_SENSORS; k++) {
    ep->p[k] = jj_fw_episode_runs + jj_fw_episode_start[k];
    ep->left[k] = 0;
    ep->step[k] = 0;
    ep->value[k] = 0;
  }
  ep->rows = 0;
  ep->sum = 0;
}

int jj_fw_episode_row(jj_fw_episode *ep, int16_t out[JJ_FW_SENSORS]) {
  if (ep->rows == JJ_FW_SECONDS) return 0;
  for (int k = 0; k < JJ_FW_SENSORS; k++) {
    if (ep->left[k] == 0) {
      ep->left[k] = varint(&ep->p[k]);
      uint32_t z = varint(&ep->p[k]);
      ep->step[k] = (z & 1) ? -(int32_t)(z >> 1) - 1 : (int32_t)(z >> 1);
    }
    ep->left[k]--;
    ep->value[k] += ep->step[k];
    out[k] = (int16_t)ep->value[k];
    ep->sum = ep->sum * 31u + ((uint32_t)ep->value[k] & 0xFFFFu);
  }
  ep->rows++;
  return 1;
}

int jj_fw_episode_check(const jj_fw_episode *ep) {
  if (ep->rows != JJ_FW_SECONDS || ep->sum != jj_fw_episode_sum) return 0;
  for (int k = 0; k < JJ_FW_SENSORS; k++) {
    if (ep->left[k] != 0 || ep->p[k] != jj_fw_episode_runs + jj_fw_episode_start[k + 1]) return 0;
  }
  return 1;
}
