// Run-time choice of the vector kernel sets (see CProofKernels.h).

#include "CProofKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

int ciro_kernels_supported(int kernels) {
    __builtin_cpu_init();
    switch (kernels) {
    case CIRO_KERNELS_AVX2: return __builtin_cpu_supports("avx2") ? 1 : 0;
    case CIRO_KERNELS_AVX512F: return __builtin_cpu_supports("avx512f") ? 1 : 0;
    default: return 0;
    }
}

#else

int ciro_kernels_supported(int kernels) {
    (void)kernels;
    return 0;
}

#endif
