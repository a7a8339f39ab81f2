# qwenvl_backends: the registry of backends and the built-in list that fills it: the CPU
# backend linked in, the CUDA backend as a module found and dlopen()ed at run time, so this
# library (and everything above it) links no CUDA library.
include(GNUInstallDirs)
qwenvl_add_engine_module(qwenvl_backends
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/builtin.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_module.cpp)
target_link_libraries(qwenvl_backends PUBLIC qwenvl_backend_api PRIVATE qwenvl_cpu ${CMAKE_DL_LIBS})
# Where the module lives, relative to the executable (bin/ → <libdir>/qwenvl-studio: the same
# from an installed package and from the build tree, whose module is built into
# build/<libdir>/qwenvl-studio) and as an absolute install path.
set(QWENVL_MODULE_DIR ${CMAKE_INSTALL_LIBDIR}/qwenvl-studio)
target_compile_definitions(qwenvl_backends PRIVATE
  QWENVL_MODULE_RELDIR="../${QWENVL_MODULE_DIR}"
  QWENVL_MODULE_INSTALL_DIR="${CMAKE_INSTALL_FULL_LIBDIR}/qwenvl-studio"
  QWENVL_ENGINE_VERSION="${PROJECT_VERSION}")
