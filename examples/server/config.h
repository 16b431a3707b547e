/* The server's one YAML configuration file, validated like the rule files:
 * every problem is reported as file:line:column with a message, unknown
 * keys are refused (with a suggestion for a near miss), and nothing runs
 * until the whole file is clean. The keys, with defaults, are documented
 * in examples/server/jeonju.yaml and the README ("Server"). Relative paths
 * (rules, delivery file, state dir) are taken from the configuration
 * file's directory. */
#ifndef JJ_SERVER_CONFIG_H
#define JJ_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum srv_time_mode { SRV_TIME_WALL = 0, SRV_TIME_DATA } srv_time_mode;

typedef struct srv_config {
  /* mqtt: (absent: no MQTT) */
  int mqtt;
  char *mqtt_host;
  int mqtt_port;        /* 1883 */
  char *mqtt_client_id; /* "jjair-server" */
  char **mqtt_topics;   /* ["jjair/v1/#"] */
  size_t mqtt_ntopics;
  int mqtt_qos;             /* 1 */
  int mqtt_keepalive_s;     /* 30 */
  int mqtt_clean_session;   /* 0: the broker keeps QoS 1 messages while we are away */
  /* http: (absent: no HTTP) */
  int http;
  char *http_host; /* "127.0.0.1" */
  int http_port;   /* 8080; 0 = any free port (logged) */
  size_t http_max_body; /* 16 MiB */
  /* rules: */
  char **rule_files;
  size_t nrule_files;
  /* time: */
  srv_time_mode time_mode; /* wall-clock */
  int64_t lateness_ms;     /* 10s on wall-clock time (the queue's delay), 0 on data time */
  int64_t max_future_ms;   /* 5m */
  int64_t tick_ms;         /* 1s: how often wall-clock time advances the engine */
  /* limits: */
  uint32_t max_series; /* 100000 */
  uint32_t max_labels; /* 16 */
  size_t queue;        /* readings; 65536 */
  int64_t series_idle_ms; /* 0 = never forget */
  /* state: */
  char *state_dir;            /* NULL = none */
  int64_t checkpoint_ms;      /* 5m */
  /* delivery: */
  char *delivery_file; /* "-" = stdout; default "-" */
  int64_t drain_timeout_ms; /* 10s: how long SIGTERM waits for the notifiers */
  /* notifiers: a list in this file, or the path of a notifier file (both
   * read by the library's notifier loader, see notifiers.h); neither when
   * absent or [] */
  char *notifier_file;
  /* The list in this file: the file's text with every line outside the
   * `notifiers:` section blanked, so the loader's line:column positions
   * are the configuration file's own; named config_path in errors. */
  char *notifier_yaml;
  size_t notifier_yaml_len;
  char *config_path;
  /* log: */
  int64_t reject_log_interval_ms; /* 10s */
} srv_config;

/* Called with each problem found: file, 1-based line and column, message. */
typedef void (*srv_config_error_fn)(void *ctx, const char *file, int line, int col,
                                    const char *message);

/* Read and check the configuration at `path`. 0 with *out filled; -1 after
 * reporting every problem (at most 100) through `err`. */
int srv_config_load(const char *path, srv_config *out, srv_config_error_fn err, void *ctx);

/* Free what srv_config_load filled in. */
void srv_config_free(srv_config *c);

#endif
