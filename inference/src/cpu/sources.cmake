# qwenvl_cpu: the CPU reference backend (int4 matmul, decoder, vision encoder), an
# implementation of qwenvl_backend_api. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_cpu
  ${CMAKE_CURRENT_LIST_DIR}/matmul.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vision.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu_backend.cpp)
# decoder.h, matmul.h and vision.h expose the weights and util's ThreadPool.
target_link_libraries(qwenvl_cpu PUBLIC qwenvl_backend_api qwenvl_model qwenvl_util)
