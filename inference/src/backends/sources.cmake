# qwenvl_backends: the registry of backends and the built-in list that fills it (CPU always,
# CUDA when qwenvl_cuda exists). The one library that depends on the backends themselves.
qwenvl_add_engine_module(qwenvl_backends
  ${CMAKE_CURRENT_LIST_DIR}/registry.cpp
  ${CMAKE_CURRENT_LIST_DIR}/builtin.cpp)
target_link_libraries(qwenvl_backends PUBLIC qwenvl_backend_api PRIVATE qwenvl_cpu)
if(QWENVL_HAVE_CUDA)
  target_link_libraries(qwenvl_backends PRIVATE qwenvl_cuda)
endif()
