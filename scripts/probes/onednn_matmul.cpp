// Which oneDNN matmul implementation runs the bf16x3 split's job shapes (gemm_bf16.cpp), with the
// weights as the split hands them over and in the layout oneDNN picks, and how fast on one
// thread. Not part of the product: a measurement aid for the AMX question of issue 13.
//   g++ -O2 scripts/probes/onednn_matmul.cpp -ldnnl -fopenmp -o /tmp/onednn-matmul && /tmp/onednn-matmul
// (on the GPU machine, after `source .devlibs/env.sh`: add -I/tmp/devroot/include -L/tmp/devroot/lib)
#include <dnnl.h>
#include <omp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <vector>
int main() {
  syscall(SYS_arch_prctl, 0x1023, 18);
  dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx512_core_amx);
  omp_set_num_threads(1);
  dnnl_engine_t e;
  dnnl_engine_create(&e, dnnl_cpu, 0);
  dnnl_stream_t st;
  dnnl_stream_create(&st, e, dnnl_stream_default_flags);
  int shapes[][3] = {{1024, 128, 4992}, {1024, 128, 24576}, {286, 128, 12288}, {256, 128, 4992}, {1024, 256, 4992}};
  for (auto& s : shapes)
    for (int any = 0; any < 2; ++any) {
      int M = s[0], N = s[1], K = s[2];
      dnnl_memory_desc_t a, w, c;
      dnnl_dims_t ad = {M, K}, as = {K, 1}, wd = {K, N}, ws = {1, K}, cd = {M, N}, cs = {N, 1};
      dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_bf16, as);
      if (any)
        dnnl_memory_desc_init_by_tag(&w, 2, wd, dnnl_bf16, dnnl_format_tag_any);
      else
        dnnl_memory_desc_init_by_strides(&w, 2, wd, dnnl_bf16, ws);
      dnnl_memory_desc_init_by_strides(&c, 2, cd, dnnl_f32, cs);
      dnnl_matmul_desc_t d;
      dnnl_matmul_desc_init(&d, &a, &w, nullptr, &c);
      dnnl_primitive_desc_t pd;
      if (dnnl_primitive_desc_create(&pd, &d, nullptr, e, nullptr)) {
        printf("no pd\n");
        continue;
      }
      const char* impl = "?";
      dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
      dnnl_primitive_t p;
      dnnl_primitive_create(&p, pd);
      const dnnl_memory_desc_t* wmd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
      const dnnl_memory_desc_t* smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
      dnnl_memory_t am, wm, cm, sm;
      dnnl_memory_create(&am, &a, e, DNNL_MEMORY_ALLOCATE);
      dnnl_memory_create(&wm, wmd, e, DNNL_MEMORY_ALLOCATE);
      dnnl_memory_create(&cm, &c, e, DNNL_MEMORY_ALLOCATE);
      dnnl_memory_create(&sm, smd, e, DNNL_MEMORY_ALLOCATE);
      dnnl_exec_arg_t args[4] = {
          {DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm}, {DNNL_ARG_SCRATCHPAD, sm}};
      double best = 1e9;
      for (int r = 0; r < 8; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        dnnl_primitive_execute(p, st, 4, args);
        dnnl_stream_wait(st);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      }
      printf("%5d x %4d x %6d weights %-5s impl %-28s %8.3f ms %7.1f GFLOP/s (1 thread)\n", M, N, K,
             any ? "any" : "plain", impl, best * 1e3, 2.0 * M * N * K / best / 1e9);
    }
}
