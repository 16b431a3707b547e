/* MQTT ingest over libmosquitto (see mqtt.h). */
#include "mqtt.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reading_json.h"

struct srv_mqtt {
  struct mosquitto *mosq;
  const srv_config *cfg;
  srv_queue *q;
  srv_metrics *m;
};

static void on_connect(struct mosquitto *mosq, void *ctx, int rc) {
  srv_mqtt *s = ctx;
  if (rc != 0) {
    srv_log("mqtt: connection refused: %s", mosquitto_connack_string(rc));
    return;
  }
  atomic_store(&s->m->mqtt_connected, 1);
  for (size_t i = 0; i < s->cfg->mqtt_ntopics; i++) {
    int r = mosquitto_subscribe(mosq, NULL, s->cfg->mqtt_topics[i], s->cfg->mqtt_qos);
    if (r != MOSQ_ERR_SUCCESS)
      srv_log("mqtt: subscribe %s: %s", s->cfg->mqtt_topics[i], mosquitto_strerror(r));
  }
  srv_log("mqtt: connected to %s:%d", s->cfg->mqtt_host, s->cfg->mqtt_port);
}

static void on_disconnect(struct mosquitto *mosq, void *ctx, int rc) {
  (void)mosq;
  srv_mqtt *s = ctx;
  atomic_store(&s->m->mqtt_connected, 0);
  if (rc != 0) srv_log("mqtt: connection lost (%s); reconnecting", mosquitto_strerror(rc));
}

typedef struct bad_ctx {
  srv_mqtt *s;
  const char *topic;
} bad_ctx;

static void bad_reading(void *ctx, size_t line, srv_reject why, const char *message) {
  (void)line;
  const bad_ctx *b = ctx;
  srv_metrics_reject(b->s->m, SRV_SRC_MQTT, why);
  srv_log_reject(why, "mqtt %s: %s", b->topic, message);
}

static void on_message(struct mosquitto *mosq, void *ctx, const struct mosquitto_message *msg) {
  (void)mosq;
  srv_mqtt *s = ctx;
  atomic_fetch_add_explicit(&s->m->mqtt_messages, 1, memory_order_relaxed);
  bad_ctx bc = {s, msg->topic};
  srv_topic topic;
  char err[256];
  if (srv_topic_parse(msg->topic, &topic, err, sizeof err) != 0) {
    bad_reading(&bc, 0, SRV_REJ_TOPIC, err);
    return;
  }
  srv_batch *b = srv_batch_new(SRV_SRC_MQTT);
  if (!b) {
    bad_reading(&bc, 0, SRV_REJ_NOMEM, "out of memory");
    return;
  }
  int64_t default_ts = s->cfg->time_mode == SRV_TIME_WALL ? srv_now_ms() : INT64_MIN;
  size_t n = srv_json_payload(b, msg->payload, (size_t)msg->payloadlen, &topic, default_ts, 0,
                              bad_reading, &bc);
  if (n == 0) {
    srv_batch_free(b);
    return;
  }
  /* QoS 0 is best effort: never stall the network thread for it. */
  srv_qstatus qs = srv_queue_push(s->q, b, msg->qos > 0);
  if (qs == SRV_Q_OK) {
    atomic_fetch_add_explicit(&s->m->readings[SRV_SRC_MQTT], n, memory_order_relaxed);
    return;
  }
  srv_batch_free(b);
  srv_reject why = qs == SRV_Q_TOOBIG ? SRV_REJ_TOO_LARGE : SRV_REJ_QUEUE_FULL;
  for (size_t i = 0; i < n; i++) srv_metrics_reject(s->m, SRV_SRC_MQTT, why);
  if (qs != SRV_Q_CLOSED)
    srv_log_reject(why, "mqtt %s: %zu readings dropped (%s)", msg->topic, n,
                   qs == SRV_Q_TOOBIG ? "more than the queue holds" : "queue full");
}

srv_mqtt *srv_mqtt_start(const srv_config *cfg, srv_queue *q, srv_metrics *m, char *err,
                         size_t errsize) {
  (void)mosquitto_lib_init();
  srv_mqtt *s = calloc(1, sizeof *s);
  if (!s) {
    (void)snprintf(err, errsize, "out of memory");
    return NULL;
  }
  s->cfg = cfg;
  s->q = q;
  s->m = m;
  s->mosq = mosquitto_new(cfg->mqtt_client_id, cfg->mqtt_clean_session, s);
  if (!s->mosq) {
    (void)snprintf(err, errsize, "mosquitto_new failed");
    free(s);
    return NULL;
  }
  mosquitto_connect_callback_set(s->mosq, on_connect);
  mosquitto_disconnect_callback_set(s->mosq, on_disconnect);
  mosquitto_message_callback_set(s->mosq, on_message);
  (void)mosquitto_reconnect_delay_set(s->mosq, 1, 30, true);
  int rc = mosquitto_connect_async(s->mosq, cfg->mqtt_host, cfg->mqtt_port, cfg->mqtt_keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS)
    srv_log("mqtt: connect to %s:%d: %s (retrying)", cfg->mqtt_host, cfg->mqtt_port,
            mosquitto_strerror(rc));
  rc = mosquitto_loop_start(s->mosq);
  if (rc != MOSQ_ERR_SUCCESS) {
    (void)snprintf(err, errsize, "mosquitto_loop_start: %s", mosquitto_strerror(rc));
    mosquitto_destroy(s->mosq);
    free(s);
    return NULL;
  }
  return s;
}

void srv_mqtt_stop(srv_mqtt *s) {
  if (!s) return;
  (void)mosquitto_disconnect(s->mosq);
  (void)mosquitto_loop_stop(s->mosq, false);
  mosquitto_destroy(s->mosq);
  free(s);
  (void)mosquitto_lib_cleanup();
}
