# qwenvl_chat: the ChatML template and context builder, query formatting, the grounding parser
# and conformance scenarios. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_chat
  ${CMAKE_CURRENT_LIST_DIR}/format_query.cpp
  ${CMAKE_CURRENT_LIST_DIR}/grounding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/make_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template.cpp)
# template.h only forward-declares the Tokenizer; scenarios are JSON files.
target_link_libraries(qwenvl_chat PRIVATE qwenvl_tokenizer qwenvl_util nlohmann_json::nlohmann_json)
