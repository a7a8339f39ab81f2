set(QWENVL_BENCH_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/../cli/args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_preprocess.cpp)
