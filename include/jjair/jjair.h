/* libjjair — umbrella header: include this to get the whole public API.
 *
 * libjjair turns streams of air-quality and heat/smoke readings into
 * pollution and fire alerts. Each concept has its own header. */
#ifndef JJAIR_JJAIR_H
#define JJAIR_JJAIR_H

#include "jjair/alloc.h"
#include "jjair/aqi.h"
#include "jjair/bundle.h"
#include "jjair/duration.h"
#include "jjair/engine.h"
#include "jjair/error.h"
#include "jjair/event.h"
#include "jjair/export.h"
#include "jjair/notify.h"
#include "jjair/rule.h"
#include "jjair/rule_yaml.h"
#include "jjair/snapshot.h"
#include "jjair/status.h"
#include "jjair/timefmt.h"
#include "jjair/version.h"
#include "jjair/window.h"

#endif
