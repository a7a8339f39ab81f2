# qwenvl_util: whole-file and memory-mapped I/O, the thread pool, UTF-8 and fp16 helpers; the
# base the other engine modules build on. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_util
  ${CMAKE_CURRENT_LIST_DIR}/mapped_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parallel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp
  ${CMAKE_CURRENT_LIST_DIR}/half.cpp)
# parallel.h holds std::thread and std::mutex members.
target_link_libraries(qwenvl_util PUBLIC Threads::Threads)
