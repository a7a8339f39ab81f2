list(APPEND QWENVL_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cuda_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_probe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_stats.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gemm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/device_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kv_pages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cuda_vision.cpp)
