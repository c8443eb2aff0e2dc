#include <valgrind/memcheck.h>
void ct_secret(void *p, unsigned long n) { VALGRIND_MAKE_MEM_UNDEFINED(p, n); }
void ct_public(void *p, unsigned long n) { VALGRIND_MAKE_MEM_DEFINED(p, n); }
