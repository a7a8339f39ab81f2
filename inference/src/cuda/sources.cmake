# qwenvl_cuda: the CUDA backend's host side (device weights, KV pages, cuBLAS GEMMs, launches of
# kernels/), an implementation of qwenvl_backend_api. Included when CUDA is on. It is linked
# into one shared module, libqwenvl-cuda.so (below), and directly into the GPU tests only.
qwenvl_add_engine_module(qwenvl_cuda
  ${CMAKE_CURRENT_LIST_DIR}/cuda_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/int4_prefill.cpp
  ${CMAKE_CURRENT_LIST_DIR}/device_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kv_pages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_vision.cpp)
# The cuda/ headers include the weights, the CUDA runtime, cuBLAS, cuBLASLt (the bias linear)
# and qwenvl_kernels.h; util's half.h is used inside.
target_link_libraries(qwenvl_cuda
  PUBLIC qwenvl_backend_api qwenvl_model qwenvl_kernels CUDA::cudart CUDA::cublas CUDA::cublasLt
  PRIVATE qwenvl_util)

# libqwenvl-cuda.so: the backend as a module that backends/cuda_module.cpp dlopen()s, so the app
# and the tools run where no CUDA library exists. It carries its own copy of the engine code it
# uses; the version script keeps all of it private and exports the one entry point.
include(GNUInstallDirs)
add_library(qwenvl-cuda MODULE ${CMAKE_CURRENT_LIST_DIR}/module.cpp)
target_link_libraries(qwenvl-cuda PRIVATE qwenvl_cuda)
target_compile_definitions(qwenvl-cuda PRIVATE QWENVL_ENGINE_VERSION="${PROJECT_VERSION}")
target_link_options(qwenvl-cuda PRIVATE
  "LINKER:--version-script=${CMAKE_CURRENT_LIST_DIR}/module.map" "LINKER:--no-undefined")
set_target_properties(qwenvl-cuda PROPERTIES
  PREFIX "lib" OUTPUT_NAME qwenvl-cuda SUFFIX ".so" AUTOMOC OFF
  LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/module.map
  # Found by the executables as ../<libdir>/qwenvl-studio, in the build tree as once installed.
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/${CMAKE_INSTALL_LIBDIR}/qwenvl-studio)
qwenvl_set_warnings(qwenvl-cuda)
install(TARGETS qwenvl-cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/qwenvl-studio COMPONENT cuda)
