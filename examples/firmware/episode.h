/* The readings examples/firmware feeds (episode.c, made by make_episode.py):
 * one row per second, one column per sensor, in tenths of the unit. */
#ifndef JJ_FW_EPISODE_H
#define JJ_FW_EPISODE_H

#include <stdint.h>

#define JJ_FW_SECONDS 420
#define JJ_FW_SENSORS 5 /* temperature body, temperature camera, co, smoke, pm25 */

extern const int16_t jj_fw_episode[JJ_FW_SECONDS][JJ_FW_SENSORS];

#endif
