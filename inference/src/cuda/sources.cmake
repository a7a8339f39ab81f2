# cuda/: the CUDA backend's host side (device weights, cuBLAS GEMMs, launches of kernels/).
# Adds to qwenvl_engine (inference/CMakeLists.txt) when CUDA is on.
target_sources(qwenvl_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cuda_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/device_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_vision.cpp)
# The cuda/ headers include the weights, the CUDA runtime, cuBLAS and qwenvl_kernels.h; util's
# half.h is used inside. QWENVL_HAVE_CUDA is a usage requirement: engine/backend.h declares
# make_cuda_backend under it, so every user of the library (tools, GPU tests) sees the same
# declarations as the library itself.
target_link_libraries(qwenvl_engine
  PUBLIC qwenvl_model qwenvl_kernels CUDA::cudart CUDA::cublas
  PRIVATE qwenvl_util)
target_compile_definitions(qwenvl_engine PUBLIC QWENVL_HAVE_CUDA=1)
