// OpenBLAS's CBLAS interface and its thread control (Debian: libopenblas-dev).
#include <cblas.h>
