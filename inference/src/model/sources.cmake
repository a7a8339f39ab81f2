# qwenvl_model: the model files (config.json, safetensors archives, GPTQ int4 weights) and the
# vision position table. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_model
  ${CMAKE_CURRENT_LIST_DIR}/config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gptq.cpp
  ${CMAKE_CURRENT_LIST_DIR}/weights.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vision_pos.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rotary.cpp)
# safetensors.h exposes util's MappedFile; the JSON headers are parsed inside the .cpp files.
target_link_libraries(qwenvl_model
  PUBLIC qwenvl_util
  PRIVATE nlohmann_json::nlohmann_json)
