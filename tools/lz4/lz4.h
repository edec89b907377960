/* The two LZ4 block functions Verilator's FST writer calls (liblz4 1.9 ABI), declared here so
 * that tracing to FST builds on a machine that has the liblz4 runtime but not its -dev package.
 * tb/runner.py uses this folder only when no system lz4.h is found. */
#ifndef IOMMU_TB_LZ4_SHIM_H
#define IOMMU_TB_LZ4_SHIM_H
#ifdef __cplusplus
extern "C" {
#endif
int LZ4_compressBound(int inputSize);
int LZ4_compress_default(const char* src, char* dst, int srcSize, int dstCapacity);
#ifdef __cplusplus
}
#endif
#endif
