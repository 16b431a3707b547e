/* libjjair — symbol export macro.
 *
 * The library is built with hidden visibility; only declarations marked
 * JJ_API are exported. Static builds define JJ_STATIC (the CMake target and
 * jjair.pc do this for you). */
#ifndef JJAIR_EXPORT_H
#define JJAIR_EXPORT_H

#if defined(JJ_STATIC)
#define JJ_API
#elif defined(_WIN32)
#if defined(JJ_BUILDING)
#define JJ_API __declspec(dllexport)
#else
#define JJ_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define JJ_API __attribute__((visibility("default")))
#else
#define JJ_API
#endif

#endif
