list(APPEND QWENVL_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/format_query.cpp
  ${CMAKE_CURRENT_LIST_DIR}/grounding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/make_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/scenario.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template.cpp)
