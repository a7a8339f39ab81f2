# qwenvl_cli_common: the subcommand registry and option parser that qwenvl-cli and qwenvl-bench
# share; qwenvl-cli: every engine step checkable from outside, and a command-line chat.
add_library(qwenvl_cli_common STATIC
  ${CMAKE_CURRENT_LIST_DIR}/command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/args.cpp)
target_include_directories(qwenvl_cli_common PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/src)
qwenvl_set_warnings(qwenvl_cli_common)

# Commands register themselves from static initialisers, so they stay in the executable.
add_executable(qwenvl-cli
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_tokenize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_preprocess.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_prompt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_conform.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cmd_chat.cpp)
target_link_libraries(qwenvl-cli PRIVATE qwenvl_cli_common
  qwenvl_internal nlohmann_json::nlohmann_json)
qwenvl_set_warnings(qwenvl-cli)
