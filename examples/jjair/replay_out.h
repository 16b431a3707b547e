/* jjair replay's output, whatever the input format:
 *   - the events on stdout: NDJSON (one jj_event_json object per line, as
 *     before) or a table for people (time, rule, event, level, value,
 *     series). Auto: the table when stdout is a terminal, NDJSON when it is
 *     a pipe or a file, so scripts and files get NDJSON unchanged; --json
 *     and --table force one;
 *   - at the end, on stderr, a summary of the alert episodes (fired to
 *     resolved) per rule: how many, how many still open, the longest (how
 *     long, which series, when), the first and the last one's start;
 *   - a progress line on stderr (rewritten in place with \r) while a large
 *     input is read, when stderr is a terminal: inputs of 4 MiB or more, or
 *     of unknown size (stdin) after a second; --progress / --no-progress
 *     force it on or off. */
#ifndef JJAIR_REPLAY_OUT_H
#define JJAIR_REPLAY_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jjair/jjair.h>

typedef enum replay_format { REPLAY_AUTO = 0, REPLAY_JSON, REPLAY_TABLE } replay_format;

typedef struct replay_out replay_out;

/* `progress`: -1 auto, 0 off, 1 on. `input_size`: bytes, -1 unknown.
 * `tz_ms`: the zone times are shown in (east of UTC). NULL when out of
 * memory. */
replay_out *replay_out_new(replay_format format, int progress, int64_t input_size, int64_t tz_ms);

/* The engine's on_event (ctx = the replay_out): prints the event and
 * counts it for the summary. */
void replay_out_event(void *ctx, const jj_event *ev);

/* Where the reading is: `bytes` of the input consumed, `readings` pushed.
 * Cheap; call it every few thousand readings. */
void replay_out_progress(replay_out *o, int64_t bytes, uint64_t readings);

/* The input is read: the last progress line, ended with a newline (if a
 * progress line was shown at all). */
void replay_out_progress_done(replay_out *o);

/* The episode summary, to stderr (stdout flushed first). */
void replay_out_summary(replay_out *o);

void replay_out_free(replay_out *o);

#endif
