# qwenvl_cuda: the CUDA backend's host side (device weights, KV pages, cuBLAS GEMMs, launches of
# kernels/), an implementation of qwenvl_backend_api. Included when CUDA is on.
qwenvl_add_engine_module(qwenvl_cuda
  ${CMAKE_CURRENT_LIST_DIR}/cuda_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/device_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kv_pages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_vision.cpp)
# The cuda/ headers include the weights, the CUDA runtime, cuBLAS and qwenvl_kernels.h; util's
# half.h is used inside. QWENVL_HAVE_CUDA is a usage requirement: whoever links this library
# (the backend list, the benchmark, the GPU tests) sees it, and nobody else.
target_link_libraries(qwenvl_cuda
  PUBLIC qwenvl_backend_api qwenvl_model qwenvl_kernels CUDA::cudart CUDA::cublas
  PRIVATE qwenvl_util)
target_compile_definitions(qwenvl_cuda PUBLIC QWENVL_HAVE_CUDA=1)
