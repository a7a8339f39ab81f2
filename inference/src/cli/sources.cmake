set(QWENVL_CLI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/args.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_tokenize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_preprocess.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_prompt.cpp)
