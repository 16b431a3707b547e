/* MQTT ingest (libmosquitto): subscribes to the configured topics with the
 * configured QoS on libmosquitto's own network thread, reconnecting on its
 * own, and turns each message into readings (reading_json.h) for the
 * queue. QoS 0 messages that find the queue full are dropped and counted;
 * QoS 1 and 2 wait for room (see queue.h). */
#ifndef JJ_SERVER_MQTT_H
#define JJ_SERVER_MQTT_H

#include "config.h"
#include "metrics.h"
#include "queue.h"

typedef struct srv_mqtt srv_mqtt;

/* Connect (asynchronously: a broker that is down is retried) and start
 * the network thread. NULL with a message in err. */
srv_mqtt *srv_mqtt_start(const srv_config *cfg, srv_queue *q, srv_metrics *m, char *err,
                         size_t errsize);

/* Disconnect, stop the thread, free. NULL is a no-op. */
void srv_mqtt_stop(srv_mqtt *s);

#endif
