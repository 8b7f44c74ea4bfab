/* A local hypotf, so that libhistlog.so runs on glibc older than 2.35.
 *
 * The Swift Glibc overlay linked in statically (libswiftGlibc.a) keeps its hypot(Float, Float)
 * wrapper in a retained section, so its call to hypotf survives --gc-sections although histlog
 * never calls it. glibc 2.35 gave hypotf a new symbol version; binding to it would make the
 * library need glibc 2.35 for a function it does not use. This definition binds that call
 * inside the library (exports.map keeps it local) to the hypotf every glibc of the
 * architecture exports. The rest of the library's imports stop at GLIBC_2.34
 * (Tests/c/check_ldd.sh checks it). */

#if defined(__linux__)
#include <features.h>
#endif

#if defined(__GLIBC__) && (defined(__x86_64__) || defined(__aarch64__))

float histlog_glibc_hypotf(float x, float y);
#if defined(__x86_64__)
__asm__(".symver histlog_glibc_hypotf, hypotf@GLIBC_2.2.5");
#else
__asm__(".symver histlog_glibc_hypotf, hypotf@GLIBC_2.17");
#endif

float hypotf(float x, float y) { return histlog_glibc_hypotf(x, y); }

#endif
