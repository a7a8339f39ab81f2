# qwenvl_cpu: the CPU backend (reference fp32 path and the fast path: int4/fp16 GEMV kernels
# with AVX2 and AVX-512 versions chosen at run time, oneDNN sgemm for prefill and the vision
# encoder), an implementation of qwenvl_backend_api. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_cpu
  ${CMAKE_CURRENT_LIST_DIR}/matmul.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kernels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kernels_x86.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vecmath_x86.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_bf16.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_amx.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_amx_kernels.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm_amx_pack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bf16_pack.cpp
  ${CMAKE_CURRENT_LIST_DIR}/attention.cpp
  ${CMAKE_CURRENT_LIST_DIR}/speed.cpp
  ${CMAKE_CURRENT_LIST_DIR}/profile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vision.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu_backend.cpp)
# decoder.h, matmul.h and vision.h expose the weights and util's ThreadPool; oneDNN (Debian's
# libdnnl-dev) does the fast path's GEMMs, chosen over OpenBLAS by measurement (README).
# The GEMM library: oneDNN (Debian's libdnnl-dev; chosen over OpenBLAS by measurement, README).
# Debian's dnnl-config.cmake asks for OpenCL headers the CPU path never needs, so the library
# and header are found directly. Without oneDNN, OpenBLAS (libopenblas-dev) serves instead.
find_library(QWENVL_DNNL_LIBRARY NAMES dnnl)
find_path(QWENVL_DNNL_INCLUDE dnnl.h)
target_link_libraries(qwenvl_cpu PUBLIC qwenvl_backend_api qwenvl_model qwenvl_util PRIVATE ${CMAKE_DL_LIBS})
if(QWENVL_DNNL_LIBRARY AND QWENVL_DNNL_INCLUDE)
  target_include_directories(qwenvl_cpu PRIVATE ${QWENVL_DNNL_INCLUDE})
  target_link_libraries(qwenvl_cpu PRIVATE ${QWENVL_DNNL_LIBRARY})
  target_compile_definitions(qwenvl_cpu PRIVATE QWENVL_GEMM_DNNL=1)
  message(STATUS "CPU GEMM: oneDNN (${QWENVL_DNNL_LIBRARY})")
else()
  find_library(QWENVL_OPENBLAS_LIBRARY NAMES openblas)
  find_path(QWENVL_OPENBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas-pthread openblas)
  if(NOT QWENVL_OPENBLAS_LIBRARY OR NOT QWENVL_OPENBLAS_INCLUDE)
    message(FATAL_ERROR "The CPU backend needs oneDNN (apt install libdnnl-dev) or OpenBLAS (libopenblas-dev)")
  endif()
  target_include_directories(qwenvl_cpu PRIVATE ${QWENVL_OPENBLAS_INCLUDE})
  target_link_libraries(qwenvl_cpu PRIVATE ${QWENVL_OPENBLAS_LIBRARY})
  message(STATUS "CPU GEMM: OpenBLAS (${QWENVL_OPENBLAS_LIBRARY}); libdnnl-dev is faster")
endif()
