set(QWENVL_BENCH_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_preprocess.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_model.cpp)
if(QWENVL_HAVE_CUDA)
  # bench_model.cpp reads the CUDA backend's memory figures (cuda/cuda_stats.h, no CUDA headers).
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/bench_model.cpp PROPERTIES COMPILE_DEFINITIONS QWENVL_HAVE_CUDA=1)
endif()
