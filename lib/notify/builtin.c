/* The built-in notifier types, looked up by name after the types a
 * dispatcher's user registered (which cannot reuse these names). */
#include "notify_internal.h"

const jj__builtin jj__builtins[] = {
    {&jj__type_webhook, &jj__http_webhook},
    {&jj__type_sens, &jj__http_sens},
    {&jj__type_solapi, &jj__http_solapi},
    {&jj__type_twilio, &jj__http_twilio},
    {&jj__type_alertmanager, &jj__http_alertmanager},
    {&jj__type_slack, &jj__http_slack},
    {&jj__type_ndjson, NULL},
    {&jj__type_stdout, NULL},
    {NULL, NULL},
};
