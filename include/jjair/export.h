/* libjjair — symbol export macro.
 *
 * The library is built with hidden visibility; only declarations marked
 * JJ_API are exported. Code linked against the static libjjair.a defines
 * JJ_STATIC: the CMake target jjair::jjair_static does this for you; jjair.pc
 * does not (it describes the shared library), so with pkg-config add
 * -DJJ_STATIC yourself. On ELF platforms (Linux, BSD) it changes nothing for
 * a caller; it matters on Windows, where it drops __declspec(dllimport). */
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
