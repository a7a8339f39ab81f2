# cpu/: the CPU backend (int4 matmul, decoder, vision encoder). Adds to qwenvl_engine
# (inference/CMakeLists.txt) until engine/, cpu/ and cuda/ are split.
target_sources(qwenvl_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/matmul.cpp
  ${CMAKE_CURRENT_LIST_DIR}/ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vision.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cpu_backend.cpp)
# decoder.h, matmul.h and vision.h expose the weights and util's ThreadPool.
target_link_libraries(qwenvl_engine PUBLIC qwenvl_model qwenvl_util)
